package ui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// timeline runs actions on a fresh cluster of the named replicas.
func timeline(t *testing.T, typ crdt.Type, names []string, actions ...replicas.Action) *replicas.Timeline {
	t.Helper()
	tl, err := replicas.NewTimeline(replicas.Config{Type: typ, Names: names})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range actions {
		if _, _, err := tl.Do(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	return tl
}

func drawn(tl *replicas.Timeline, w, h int) string {
	d := BuildDiagram(DiagramAt(tl, tl.Cluster(), 0, nil))
	return ansi.Strip(DrawDiagram(d, DiagramView{W: w, H: h}, NewStyles(Mono, false)))
}

func TestDiagramProbe(t *testing.T) {
	set := func(r, v string) replicas.Action {
		return replicas.Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpSet, Value: v}}
	}
	tl := timeline(t, crdt.LWWRegister, []string{"Server 1", "Server 2", "Server 3"},
		set("Server 1", "a"), replicas.Sync{From: "Server 1", ToAll: true},
		set("Server 2", "b"), set("Server 3", "c"), replicas.SyncBoth{A: "Server 2", B: "Server 3"})
	fmt.Println(drawn(tl, 80, 20))
}

func TestDiagramProbe2(t *testing.T) {
	set := func(r, v string) replicas.Action {
		return replicas.Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpSet, Value: v}}
	}
	tl := timeline(t, crdt.LWWRegister, []string{"Editor", "Mirror"},
		set("Editor", "v1"), replicas.Send{From: "Editor", To: "Mirror"},
		set("Editor", "v2"), replicas.Send{From: "Editor", To: "Mirror"},
		replicas.Deliver{From: "Editor", To: "Mirror", Newest: true}, replicas.Deliver{From: "Editor", To: "Mirror"},
		replicas.Send{From: "Editor", To: "Mirror"}, replicas.Duplicate{From: "Editor", To: "Mirror"},
		replicas.Deliver{From: "Editor", To: "Mirror"}, replicas.Drop{From: "Editor", To: "Mirror"},
		replicas.Cut{From: "Editor", To: "Mirror", Both: true},
		replicas.Send{From: "Mirror", To: "Editor"}, replicas.Send{From: "Editor", To: "Mirror"},
	)
	fmt.Println(drawn(tl, 80, 40))
}
