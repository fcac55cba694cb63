package demos

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"crdtviz/replicas"
)

// The regression tests for issue 13 ("Hostile input, round two") that
// belong to the scenario language: each input was accepted, or wrapped
// silently, before.

func TestHostileScenarioErrors(t *testing.T) {
	const set = "title x\ntype lww-set\n"
	const reg = "title x\ntype lww-register\nreplicas A B\nstep s\n"
	for _, tc := range []struct{ src, want string }{
		// 12. Look-alike and invisible names.
		{set + "replicas \"é\" \"e\u0301\"\nstep s\n", "f:3:14: replica names \u00e9 and e\u0301 look the same (written U+00E9 and U+0065 U+0301)"},
		{set + "replicas \"Ａ\" A\nstep s\n", "f:3:14: replica names Ａ and A look the same (written U+FF21 and U+0041)"},
		{set + "replicas A \"A \"\nstep s\n", `f:3:12: replica name "A " starts or ends with a space`},
		{set + "replicas \"B\u200b\" B\nstep s\n", `f:3:10: replica name "B\u200b" has an invisible format character (such as a zero-width space)`},
		{set + "replicas \"\u200b\" A\nstep s\n", `f:3:10: replica name "\u200b" has an invisible format character (such as a zero-width space)`},
		{set + "replicas \"a\u00adb\" A\nstep s\n", `f:3:10: replica name "a\u00adb" has an invisible format character (such as a zero-width space)`},
		// 4. The count is checked before anything else about the names.
		{set + "replicas A B C D E F G H I J\nstep s\n", "f:3:26: a cluster has 2 to 8 replicas; this is name 9"},
		// 11. C1 control characters, in names and in values.
		{set + "replicas \"\u0085x\" A\nstep s\n", "f:3:11: unexpected control character U+0085 in a string"},
		{set + "replicas A B\nstep s\nedit A add \"x\u009b\"\n", "f:5:14: unexpected control character U+009B in a string"},
		// 13. Carriage returns and other controls in prose.
		{"title \"a\rb\"\n", "f:1:9: unexpected control character U+000D in a string"},
		{"title x\nabout \"a\\rb\"\n", `f:2:7: an introduction holds the control character U+000D; prose may hold line breaks (\n), but no other control character`},
		{"title \"a\\rb\"\n", `f:1:7: a title holds the control character U+000D; prose may hold line breaks (\n), but no other control character`},
		{set + "replicas A B\nstep \"a\\tb\"\n", `f:4:6: the step's narration holds the control character U+0009; prose may hold line breaks (\n), but no other control character`},
		// 9. Clock skew is bounded.
		{reg + "clock A +9223372036854775807\n", "f:5:9: a clock skew is at most 1000000000000 ticks either way, not 9223372036854775807"},
		{reg + "clock A -1000000000001\n", "f:5:9: a clock skew is at most 1000000000000 ticks either way, not -1000000000001"},
		// 8. Numbers that cannot be represented.
		{"title x\ntype pn-counter\nreplicas A B\nstep s\nedit A inc 9223372036854775808\n", "f:5:12: 9223372036854775808 is out of range: numbers here are between -9223372036854775807 and 9223372036854775807"},
		{"title x\ntype pn-counter\nreplicas A B\ninitial -9223372036854775808\nstep s\n", "f:4:9: -9223372036854775808 is out of range: numbers here are between -9223372036854775807 and 9223372036854775807"},
		// 29. A map holds one value per key.
		{"title x\ntype lww-map\nreplicas A B\nstep s\nexpect A = {a: b, a: c}\n", "f:5:19: key a is given twice; a map holds one value per key"},
	} {
		_, err := Parse("f", []byte(tc.src))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
}

// TestManyNamesAreRefusedAtOnce: 100,000 names used to take 38 s of
// duplicate checks before the count was looked at. Parsing stops at the
// ninth name, so the rest of the line is never examined.
func TestManyNamesAreRefusedAtOnce(t *testing.T) {
	names := make([]string, 100_000)
	for i := range names {
		names[i] = fmt.Sprintf("r%d", i)
	}
	src := "title x\ntype lww-set\nreplicas " + strings.Join(names, " ") + "\nstep s\n"
	_, err := Parse("f", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "a cluster has 2 to 8 replicas; this is name 9") {
		t.Fatalf("got %v", err)
	}
	if err := replicas.CheckNames(names); err == nil || !strings.Contains(err.Error(), "2 to 8") {
		t.Fatalf("CheckNames: %v", err)
	}
}

// TestUnicodeSpacesRoundTrip (issue 13, item 10): every character that
// unicode.IsSpace calls a space is quoted when a name or a value is
// written, and splits words when read, so that writing and reading agree.
func TestUnicodeSpacesRoundTrip(t *testing.T) {
	for r := rune(0x80); r <= 0x3000; r++ {
		if !unicode.IsSpace(r) || r == 0x85 { // U+0085 is a C1 control, refused
			continue
		}
		name := "Ann" + string(r) + "Lee"
		src := "title x\ntype lww-set\nreplicas " + replicas.QuoteName(name) + " B\nstep s\nedit " +
			replicas.QuoteName(name) + " add " + replicas.QuoteName(name) + "\n"
		s, err := Parse("f", []byte(src))
		if err != nil {
			t.Fatalf("U+%04X: %v", r, err)
		}
		if len(s.Replicas) != 2 || s.Replicas[0] != name {
			t.Fatalf("U+%04X: replicas read back as %q", r, s.Replicas)
		}
		if got := s.Steps[0].Items[0].String(); !strings.Contains(got, `"`+name+`"`) {
			t.Fatalf("U+%04X: the edit is written %q", r, got)
		}
		// Unquoted, the space separates two names, as the lexer and
		// IsBare agree.
		s, err = Parse("f", []byte("title x\ntype lww-set\nreplicas "+name+" B\nstep s\n"))
		if err != nil || len(s.Replicas) != 3 {
			t.Fatalf("U+%04X unquoted: %v %q", r, err, s.Replicas)
		}
	}
}

// TestClockSkewMayOmitItsSign (issue 13, item 28): "clock A 5" means +5,
// as docs/scenario-format.md says, and is written back with its sign.
func TestClockSkewMayOmitItsSign(t *testing.T) {
	h := Header{Type: "lww-register", Replicas: []string{"A", "B"}}
	for src, want := range map[string]string{"clock A 5": "clock A +5", "clock A +5": "clock A +5", "clock A -5": "clock A -5", "clock A 0": "clock A +0"} {
		st, err := ParseStatement(src, h)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if st.String() != want {
			t.Errorf("%s is written %q, want %q", src, st.String(), want)
		}
	}
}

// TestCountersRefuseToOverflow (issue 13, item 8): an edit that would
// take a counter past the int64 range is a runtime error naming its line,
// in either direction, and the cluster is left as it was.
func TestCountersRefuseToOverflow(t *testing.T) {
	for _, tc := range []struct{ typ, body, want string }{
		{"pn-counter", "edit A inc 9223372036854775807\nedit A inc 1\n", "f:6:1: a counter holds −9223372036854775807 to 9223372036854775807: inc 1 would take a counter past it (the increments made so far add up to 9223372036854775807)"},
		{"pn-counter", "edit A dec 9223372036854775807\nedit B dec 1\n", "f:6:1: a counter holds −9223372036854775807 to 9223372036854775807: dec 1 would take a counter past it (the decrements made so far add up to 9223372036854775807)"},
		{"g-counter", "edit A inc 9223372036854775807\nedit B inc 1\n", "f:6:1: a counter holds −9223372036854775807 to 9223372036854775807: inc 1 would take a counter past it (the increments made so far add up to 9223372036854775807)"},
	} {
		s, err := Parse("f", []byte("title x\ntype "+tc.typ+"\nreplicas A B\nstep s\n"+tc.body))
		if err != nil {
			t.Fatal(err)
		}
		run := Execute(s)
		if run.Err == nil || run.Err.Error() != tc.want {
			t.Errorf("%s %q:\n got %v\nwant %s", tc.typ, tc.body, run.Err, tc.want)
		}
	}
}

// TestLookAlikeNames: names that differ only in look-alike letters of
// another script (TR39 confusables) are refused, in a scenario file as in
// a class; names that merely resemble each other are not.
func TestLookAlikeNames(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"Bob", "B\u043eb", true}, // Cyrillic о
		{"Alice", "\u0410lice", true},
		{"B0B", "BOB", true},
		{"Ａlice", "Alice", true},
		{"Bob", "Rob", false},
		{"Server 1", "Server 2", false},
		{"Bob", "bob", false},
	} {
		if got := LookAlike(c.a, c.b); got != c.same {
			t.Errorf("LookAlike(%q, %q) = %v", c.a, c.b, got)
		}
	}
	_, err := Parse("f", []byte("title x\ntype g-counter\nreplicas Bob \"B\u043eb\"\nstep s\n"))
	if err == nil || !strings.Contains(err.Error(), "f:3:14: replica names Bob and Bоb look the same (written U+0042 U+006F U+0062 and U+0042 U+043E U+0062)") {
		t.Errorf("a look-alike pair in a scenario: %v", err)
	}
}

// The review's names (defect 8): each prints as "Ada", "Ole" or "Bob" with
// something invisible added, or as nothing at all.
var (
	hiddenLookAlikes = []struct{ name, looks string }{
		{"Ada\u034f", "Ada"},       // combining grapheme joiner
		{"Ada\u17b4", "Ada"},       // Khmer inherent vowel
		{"Ada\U000E0100", "Ada"},   // variation selector 17
		{"Ole\uFE0F", "Ole"},       // variation selector 16
		{"Bob\u3164", "Bob"},       // Hangul filler
		{"Ad\u115Fa\uFFA0", "Ada"}, // Hangul fillers
	}
	invisibleNames = []string{"\u3164", "\u2800", "\u115F", "\uFFA0", "\u0301\u0301", "\u3164\u0301", "\uFE0F", "\u2800\u3164\u2800"}
)

// TestInvisibleLookAlikes: a name that differs from another only by code
// points that print nothing is a look-alike of it, in a class and in a
// scenario file; a name that prints nothing, or marks alone, is refused;
// and such a name is written with \u escapes that read back as the name.
func TestInvisibleLookAlikes(t *testing.T) {
	for _, c := range hiddenLookAlikes {
		if !LookAlike(c.name, c.looks) {
			t.Errorf("LookAlike(%q, %q) = false", c.name, c.looks)
		}
		q := replicas.QuoteName(c.name)
		if !strings.Contains(q, `\u`) && !strings.Contains(q, `\U`) {
			t.Errorf("QuoteName(%q) = %s: the invisible code point is not escaped", c.name, q)
		}
		src := "title x\ntype g-counter\nreplicas " + replicas.QuoteName(c.looks) + " " + q + "\nstep s\n"
		if _, err := Parse("f", []byte(src)); err == nil || !strings.Contains(err.Error(), "look the same") {
			t.Errorf("%s beside %s in a scenario: %v", q, c.looks, err)
		}
		src = "title x\ntype g-counter\nreplicas Zed " + q + "\nstep s\nedit " + q + " inc 1\n"
		s, err := Parse("f", []byte(src))
		if err != nil {
			t.Errorf("%s alone: %v", q, err)
			continue
		}
		if got := s.Replicas[1]; got != c.name {
			t.Errorf("%s reads back as %q, not %q", q, got, c.name)
		}
	}
	for _, n := range invisibleNames {
		err := replicas.CheckName(n)
		if err == nil || !strings.Contains(err.Error(), "must be visible") {
			t.Errorf("CheckName(%q) = %v", n, err)
		}
		src := "title x\ntype g-counter\nreplicas Ada " + replicas.QuoteName(n) + "\nstep s\n"
		if _, err := Parse("f", []byte(src)); err == nil || !strings.Contains(err.Error(), "f:3:") {
			t.Errorf("%s in a scenario: %v", replicas.QuoteName(n), err)
		}
	}
	if err := replicas.CheckName("Ada\u2800"); err == nil {
		t.Error("a name that ends with a blank braille pattern")
	}
	if LookAlike("Ann\u00a0Lee", "AnnLee") || !LookAlike("Ann\u00a0Lee", "Ann Lee") {
		t.Error("a no-break space is a space, not nothing")
	}
	for _, ok := range []string{"Ada", "José", "Jose\u0301", "Zoë", "李雷", "Ann Lee", "★", "A\u2800da"} {
		if err := replicas.CheckName(ok); err != nil {
			t.Errorf("CheckName(%q) = %v", ok, err)
		}
	}
}
