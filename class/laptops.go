package class

import (
	"net"
	"time"
)

// What one laptop may ask of the teacher. Admitting is work: an
// admission is signed, broadcast and sent over its own connection, and so
// is a refusal. A student with a modified client could ask thousands of
// times a second, with a fresh key each time (the review saw 5,205
// admissions of one name in 10 s, and 254 names in 26 s, which filled the
// class). So the teacher answers each laptop (an IP address: in a room,
// each laptop has its own)
//
//   - at most laptopBurst times at once, then once per Timing.Admit (a
//     request beyond is not answered; a real joiner asks again every
//     300 ms, and gets in when its turn comes);
//   - with at most laptopNames names ever admitted from it (a student
//     who restarts crdtviz keeps its name, and needs no new one);
//
// and the class holds at most maxMembers members at once.
const (
	laptopBurst = 8
	laptopNames = 16
	// The teacher's challenges (admit.go) go to addresses no one has shown
	// to be real yet, one UDP packet each: to each laptop a few at once,
	// then one per challengeEvery (a joiner asks every 300 ms). The
	// teacher remembers at most maxChallenged laptops, and forgets them
	// all when there are more (a flood from made-up addresses).
	challengeBurst = 4
	challengeEvery = 250 * time.Millisecond
	maxChallenged  = 4096
)

// bucket is a token bucket: burst answers at once, then one every so often.
type bucket struct {
	tokens float64
	at     time.Time // when tokens was last counted
	used   bool      // tokens has been counted once
}

// take takes a token, if one is left at now. With no clock (now zero: a
// test of the rules alone) there always is.
func (b *bucket) take(now time.Time, burst int, every time.Duration) bool {
	if now.IsZero() {
		return true
	}
	if !b.used {
		b.tokens, b.used = float64(burst), true
	} else if every > 0 {
		b.tokens = min(float64(burst), b.tokens+float64(now.Sub(b.at))/float64(every))
	}
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// laptop is what the teacher remembers of one laptop.
type laptop struct {
	answers bucket
	names   map[string]bool
}

// laptopOf is the laptop an address is on: its IP.
func laptopOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// answerLaptop takes one of a laptop's answers, if it has one left now.
func (s *state) answerLaptop(addr string) bool {
	every := s.admitEvery
	if every <= 0 {
		every = DefaultTiming().Admit
	}
	return s.laptopAt(addr).answers.take(s.now, laptopBurst, every)
}

func (s *state) laptopAt(addr string) *laptop {
	if s.laptops == nil {
		s.laptops = map[string]*laptop{}
	}
	ip := laptopOf(addr)
	l := s.laptops[ip]
	if l == nil {
		l = &laptop{names: map[string]bool{}}
		s.laptops[ip] = l
	}
	return l
}

// challengeTo takes one of a laptop's challenges, if it has one left now.
func (s *state) challengeTo(addr string) bool {
	if s.challenges == nil || len(s.challenges) >= maxChallenged {
		s.challenges = map[string]*bucket{}
	}
	ip := laptopOf(addr)
	b := s.challenges[ip]
	if b == nil {
		b = &bucket{}
		s.challenges[ip] = b
	}
	return b.take(s.now, challengeBurst, challengeEvery)
}

// standing counts the members the class holds now: admitted, and neither
// gone with a goodbye nor kicked.
func (s *state) standing() int {
	n := 0
	for name := range s.roster {
		if s.held(name) {
			n++
		}
	}
	return n
}
