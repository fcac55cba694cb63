package replicas

import (
	"fmt"
	"strings"
)

// Links and clocks: actions that change how the network delivers, or what
// a replica's clock reads, and move no message.

func (c *Cluster) setLink(from, to string, both, up bool) ([]Event, error) {
	i, j, err := c.pair(from, to)
	if err != nil {
		return nil, err
	}
	links := [][2]int{{i, j}}
	if both {
		links = append(links, [2]int{j, i})
	}
	var changing [][2]int
	for _, l := range links {
		if c.up[l[0]][l[1]] != up {
			changing = append(changing, l)
		}
	}
	if len(changing) == 0 {
		state := "up"
		if !up {
			state = "cut"
		}
		return nil, nothingToDo("%s: already %s", c.linkNames(links), state)
	}
	return []Event{c.setLinks(links, up)}, nil
}

func (c *Cluster) setLinks(links [][2]int, up bool) Event {
	verb := "cut"
	if up {
		verb = "healed"
	}
	var changed, same [][2]int
	waiting := 0
	for _, l := range links {
		if c.up[l[0]][l[1]] == up {
			same = append(same, l)
			continue
		}
		c.up[l[0]][l[1]] = up
		changed = append(changed, l)
		waiting += c.queues[l[0]][l[1]].Len()
	}
	ev := Event{Kind: EvLink, LinksUp: up}
	for _, l := range changed {
		ev.Links = append(ev.Links, Link{c.names[l[0]], c.names[l[1]]})
	}
	var text string
	switch {
	case len(changed) == 0:
		already := "up"
		if !up {
			already = "cut"
		}
		text = fmt.Sprintf("%s: already %s", c.linkNames(same), already)
	default:
		text = verb + " " + c.linkNames(changed)
		if up && waiting > 0 {
			text += fmt.Sprintf("; %s can now be delivered", plural(waiting, "waiting message"))
		}
	}
	ev.Text = text
	return ev
}

// linkNames names directed links as the links line shows them: a pair
// whose both directions are listed is "Alice ↔ Bob", a single direction
// "Alice → Bob".
func (c *Cluster) linkNames(links [][2]int) string {
	has := map[[2]int]bool{}
	for _, l := range links {
		has[l] = true
	}
	var parts []string
	for _, l := range links {
		back := [2]int{l[1], l[0]}
		switch {
		case has[back] && l[0] < l[1]:
			parts = append(parts, c.names[l[0]]+" ↔ "+c.names[l[1]])
		case has[back]:
		default:
			parts = append(parts, c.names[l[0]]+" → "+c.names[l[1]])
		}
	}
	return strings.Join(parts, ", ")
}

func (c *Cluster) healAll() ([]Event, error) {
	var links [][2]int
	for i := range c.names {
		for j := range c.names {
			if i != j && !c.up[i][j] {
				links = append(links, [2]int{i, j})
			}
		}
	}
	if len(links) == 0 {
		return nil, nothingToDo("every link is already up")
	}
	return []Event{c.setLinks(links, true)}, nil
}

func (c *Cluster) partition(a Partition) ([]Event, error) {
	if len(a.Groups) < 2 {
		return nil, fmt.Errorf("a partition needs at least two groups, separated by |")
	}
	group := map[int]int{}
	for g, names := range a.Groups {
		if len(names) == 0 {
			return nil, fmt.Errorf("group %d of the partition is empty", g+1)
		}
		for _, n := range names {
			i, err := c.lookup(n)
			if err != nil {
				return nil, err
			}
			if _, dup := group[i]; dup {
				return nil, fmt.Errorf("%s is in two groups of the partition", QuoteName(n))
			}
			group[i] = g
		}
	}
	var links [][2]int
	for i := range c.names {
		for j := range c.names {
			gi, ok1 := group[i]
			gj, ok2 := group[j]
			if ok1 && ok2 && gi != gj && c.up[i][j] {
				links = append(links, [2]int{i, j})
			}
		}
	}
	parts := make([]string, len(a.Groups))
	for g, names := range a.Groups {
		parts[g] = "{" + strings.Join(names, ", ") + "}"
	}
	if len(links) == 0 {
		return nil, nothingToDo("partition %s: those links are already cut", strings.Join(parts, " | "))
	}
	ev := c.setLinks(links, false)
	ev.Text = fmt.Sprintf("partition %s: cut %s", strings.Join(parts, " | "), countLinks(links))
	return []Event{ev}, nil
}

// countLinks counts directed links as the links line shows them, by pair:
// "4 links (both directions)", "1 link (one direction)", or a mix.
func countLinks(links [][2]int) string {
	dirs := map[[2]int]int{}
	for _, l := range links {
		a, b := min(l[0], l[1]), max(l[0], l[1])
		dirs[[2]int{a, b}]++
	}
	both, one := 0, 0
	for _, n := range dirs {
		if n == 2 {
			both++
		} else {
			one++
		}
	}
	switch {
	case one == 0:
		return plural(both, "link") + " (both directions)"
	case both == 0:
		return plural(one, "link") + " (one direction)"
	}
	return fmt.Sprintf("%s (both directions) and %s (one direction)", plural(both, "link"), plural(one, "link"))
}

// MaxSkew bounds a clock skew, so that tick + skew never overflows a
// timestamp: a trillion ticks either way.
const MaxSkew = 1_000_000_000_000

func (c *Cluster) setSkew(a SetSkew) ([]Event, error) {
	i, err := c.lookup(a.Replica)
	if err != nil {
		return nil, err
	}
	if a.Skew > MaxSkew || a.Skew < -MaxSkew {
		return nil, fmt.Errorf("a clock skew is at most %d ticks either way, not %d", int64(MaxSkew), a.Skew)
	}
	c.mutable(i).Skew = a.Skew
	return []Event{{Kind: EvSkew, Replica: a.Replica,
		Text: fmt.Sprintf("%s's clock now reads tick %+d: its next write at tick %d gets stamp %d", a.Replica, a.Skew, c.now+1, c.now+1+a.Skew)}}, nil
}
