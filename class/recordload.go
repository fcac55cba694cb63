package class

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/fxamacker/cbor/v2"

	"crdtviz/replicas"
)

// Reading a record file (crdtviz class replay). Every part is checked
// again, whoever wrote the file:
//
//   - the class's description is signed by the teacher key it names;
//   - the teacher's list of contents is signed by that key, and names
//     exactly the file's description, admissions and records (by hash):
//     a record taken out, added or swapped after the class is refused;
//   - each admission is signed by the teacher key; each record by the key
//     the teacher admitted for its member, and it speaks for that member
//     only (an edit it says it made is its own, or the record is refused
//     as forged and counted);
//   - the replay's laptops are the members the teacher admitted, and no
//     one else: an event naming anyone else (a refused joiner's request,
//     or a payload dropped because its sender was nobody the receiver
//     knew, which an honest record holds too) is left out, and counted.
//
// A damaged file is told from a forged one: a signature that no key of
// the class made is damage; one made by another member's key is forgery.

// Recording is a record file, read and checked: the class, and each
// member's record, proved to be signed by the key the teacher admitted
// for it.
type Recording struct {
	Type, Mode, Teacher string
	Code                string   // the teacher key's fingerprint: the class's join code
	Names               []string // the members the teacher admitted, the teacher first: the replay's lines
	Records             []memberRecord
	Missing             []missingRecord // members with no record, and why
	Earlier             []missingRecord // members whose record is older than the last request, and why
	Forged              int             // records the teacher refused as forged while collecting
	ForgedRead          int             // records refused as forged on reading the file (each also in Missing)
	// Refused says what reading the file left out of the records: events
	// that name no member.
	Refused []string
	Written int64
}

// Complete reports whether every member the teacher admitted has its
// record in the file.
func (r *Recording) Complete() bool { return len(r.Records) == len(r.Names) }

// lenientDec decodes a file's head, whatever else the file holds.
var lenientDec = sync.OnceValue(func() cbor.DecMode {
	dm, err := cbor.DecOptions{MaxNestedLevels: 16, MaxArrayElements: 4_000_000, MaxMapPairs: 1_000_000,
		IndefLength: cbor.IndefLengthForbidden, TagsMd: cbor.TagsForbidden}.DecMode()
	if err != nil {
		panic(fmt.Sprintf("class: CBOR options: %v", err))
	}
	return dm
})

// errNotRecord is the error for a file that is not a record at all.
var errNotRecord = errors.New("not a crdtviz class record (crdtviz class start --record FILE writes one)")

// readHead reads a file's magic and version, telling a file that is not
// a record from one that is, cut short or damaged.
func readHead(b []byte) error {
	var head struct {
		Magic   string `cbor:"1,keyasint"`
		Version int    `cbor:"2,keyasint"`
	}
	err := lenientDec().Unmarshal(b, &head)
	// A record begins with its magic, whatever follows.
	begins := bytes.Contains(b[:min(len(b), 40)], []byte(recordMagic))
	switch {
	case err != nil && begins && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)):
		return errors.New("a class record cut short (truncated): the file ends before the record does; copy it again from where it was written")
	case err != nil && begins:
		return fmt.Errorf("a damaged class record: it does not decode (%v)", err)
	case err != nil || head.Magic != recordMagic:
		return errNotRecord
	case head.Version == 1:
		return errors.New("a class record of version 1, written by an earlier crdtviz whose files do not sign their list of contents; this crdtviz reads version 2")
	case head.Version != recordFileVersion:
		return fmt.Errorf("a class record of version %d; this crdtviz reads version %d", head.Version, recordFileVersion)
	}
	return nil
}

// sizeWords says how much a file weighs.
func sizeWords(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// CheckRecordSize refuses a record file of n bytes before it is read.
func CheckRecordSize(n int64) error {
	if n > maxFileBytes {
		return fmt.Errorf("the file is %s: a class record is at most %d MB", sizeWords(n), maxFileBytes>>20)
	}
	return nil
}

// LoadRecording reads a record file. A file that is not one, is damaged,
// or was changed after the class gets an error saying what is wrong; it
// never panics, and its work is bounded by the file's size.
func LoadRecording(b []byte) (*Recording, error) {
	if err := CheckRecordSize(int64(len(b))); err != nil {
		return nil, err
	}
	if err := readHead(b); err != nil {
		return nil, err
	}
	_, dec := codec()
	var f recordFile
	if err := dec.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("a damaged class record: it does not decode (%v)", err)
	}
	// The class's description: it names the teacher key, which signs it.
	st := newState("\x00replay", f.Class, 0, identity{})
	ie, seal, err := unseal(f.Info, maxStateBytes, f.Class)
	switch {
	case err != nil:
		return nil, fmt.Errorf("the class's description is damaged: %v", err)
	case ie.Kind != kindInfo:
		return nil, fmt.Errorf("a %s where the class's description belongs", kindName(ie.Kind))
	case !verify(ed25519.PublicKey(ie.Info.TeacherKey), seal.Body, seal.Sig):
		return nil, errors.New("the class's description is damaged (its signature does not match)")
	case ie.From != ie.Info.Teacher:
		return nil, errors.New("the class's description is not its teacher's")
	}
	if err := st.setClass(*ie.Info, f.Info); err != nil {
		return nil, fmt.Errorf("the class's description: %v", err)
	}
	teacherKey := ed25519.PublicKey(ie.Info.TeacherKey)
	c, err := readContents(&f, teacherKey, dec)
	if err != nil {
		return nil, err
	}
	rec := &Recording{Type: string(st.typ), Mode: st.mode.String(), Teacher: ie.Info.Teacher, Code: Fingerprint(ie.Info.TeacherKey),
		Missing: c.Missing, Forged: c.Forged, Written: c.Written}
	for i, raw := range f.Roster {
		ae, seal, err := unseal(raw, maxStateBytes, f.Class)
		switch {
		case err != nil:
			return nil, fmt.Errorf("admission %d is damaged: %v", i+1, err)
		case ae.Kind != kindAdmit:
			return nil, fmt.Errorf("a %s where admission %d belongs", kindName(ae.Kind), i+1)
		case !verify(teacherKey, seal.Body, seal.Sig) || ae.From != rec.Teacher:
			return nil, fmt.Errorf("admission %d is damaged (its signature does not match)", i+1)
		}
		st.takeAdmission(*ae.Admit, raw, true)
	}
	st.out = nil
	if st.roster[rec.Teacher] == nil {
		return nil, errors.New("the roster does not admit the teacher")
	}
	rec.Names = slices.SortedFunc(mapsKeys(st.roster), func(a, b string) int { return compareNames(a, b, rec.Teacher) })
	if err := rec.readRecords(st, &f, c); err != nil {
		return nil, err
	}
	if err := rec.checkNotes(c); err != nil {
		return nil, err
	}
	slices.SortFunc(rec.Records, func(a, b memberRecord) int { return compareNames(a.Name, b.Name, rec.Teacher) })
	return rec, nil
}

// readContents checks the teacher's list of contents: its signature, and
// that it names the file's description and admissions.
func readContents(f *recordFile, teacherKey ed25519.PublicKey, dec cbor.DecMode) (*fileContents, error) {
	if !verify(teacherKey, append([]byte(contentsDomain), f.Contents...), f.Sig) {
		if len(f.Contents) == 0 || len(f.Sig) == 0 {
			return nil, errors.New("a class record with no list of contents signed by its teacher")
		}
		return nil, errors.New("the teacher's list of contents is damaged (its signature does not match)")
	}
	var c fileContents
	if err := dec.Unmarshal(f.Contents, &c); err != nil {
		return nil, fmt.Errorf("the teacher's list of contents does not decode: %v", err)
	}
	switch {
	case c.Class != f.Class || !bytes.Equal(c.Info, digest(f.Info)):
		return nil, errors.New("the class's description is not the one the teacher's list of contents names")
	case len(c.Roster) != len(f.Roster) || len(f.Roster) > maxMembers:
		return nil, fmt.Errorf("the file holds %d admissions, and the teacher's list of contents names %d", len(f.Roster), len(c.Roster))
	case len(c.Records) > maxMembers || len(c.Missing) > maxMembers || len(f.Records) > maxMembers:
		return nil, fmt.Errorf("more than %d members", maxMembers)
	case c.Forged < 0 || c.Forged > 1<<20:
		return nil, errors.New("a count of forged records out of range")
	}
	for i, a := range f.Roster {
		if !bytes.Equal(digest(a), c.Roster[i]) {
			return nil, fmt.Errorf("admission %d is not the one the teacher's list of contents names: the file was changed after the class", i+1)
		}
	}
	for _, e := range c.Records {
		if replicas.CheckName(e.Name) != nil || len(e.Note) > 300 || !validText(e.Note) {
			return nil, errors.New("the teacher's list of contents names a record a screen cannot show")
		}
	}
	for _, m := range c.Missing {
		if replicas.CheckName(m.Name) != nil || len(m.Why) > 300 || !validText(m.Why) {
			return nil, errors.New("a missing record with a name or reason a screen cannot show")
		}
	}
	return &c, nil
}

// readRecords checks each record against the list of contents, its
// member's admitted key, and what a member's record may say.
func (rec *Recording) readRecords(st *state, f *recordFile, c *fileContents) error {
	listed := map[string]*contentsEntry{}
	for i := range c.Records {
		e := &c.Records[i]
		if listed[e.Name] != nil {
			return fmt.Errorf("the teacher's list of contents names two records of %s", replicas.QuoteName(e.Name))
		}
		listed[e.Name] = e
	}
	seen := map[string]bool{}
	for i, raw := range f.Records {
		env, seal, err := unseal(raw, maxRecordBytes+4096, f.Class)
		switch {
		case err != nil:
			return fmt.Errorf("record %d is damaged: %v", i+1, err)
		case env.Kind != kindRecord:
			return fmt.Errorf("a %s where record %d belongs", kindName(env.Kind), i+1)
		}
		name := replicas.QuoteName(env.From)
		entry := listed[env.From]
		switch {
		case entry == nil:
			return fmt.Errorf("a record of %s that the teacher's list of contents does not name: it was added after the class", name)
		case seen[env.From]:
			return fmt.Errorf("two records of %s", name)
		}
		seen[env.From] = true
		if err := signedBy(st, env, seal); err != nil {
			return err
		}
		if !bytes.Equal(digest(raw), entry.Hash) {
			return fmt.Errorf("%s's record is not the one the teacher collected (the teacher's list of contents names another): the file was changed after the class", name)
		}
		r, err := decodeRecord(env)
		var d *dropError
		switch {
		case errors.As(err, &d) && d.reason == dropForged:
			rec.ForgedRead++
			rec.Missing = append(rec.Missing, missingRecord{Name: env.From, Why: fmt.Sprintf("the one in the file is refused as forged: %v", d.err)})
			continue
		case err != nil:
			return err
		}
		if n, who := r.keepMembers(func(n string) bool { return st.roster[n] != nil }); n > 0 {
			rec.Refused = append(rec.Refused, fmt.Sprintf("%s: %s of its record %s someone the teacher never admitted (%s): left out",
				r.Name, replicas.Plural(n, "event"), map[bool]string{true: "names", false: "name"}[n == 1], who))
		}
		if entry.Note != "" {
			rec.Earlier = append(rec.Earlier, missingRecord{Name: r.Name, Why: entry.Note})
		}
		rec.Records = append(rec.Records, *r)
	}
	for _, e := range c.Records {
		if !seen[e.Name] {
			return fmt.Errorf("%s's record, which the teacher's list of contents names, is not in the file: it was taken out after the class", replicas.QuoteName(e.Name))
		}
	}
	return nil
}

// checkNotes checks that the teacher's notes name members, and notes a
// member with neither a record nor the teacher's word why.
func (rec *Recording) checkNotes(c *fileContents) error {
	has := map[string]bool{}
	for _, r := range c.Records {
		has[r.Name] = true
	}
	for _, m := range c.Missing {
		switch {
		case !slices.Contains(rec.Names, m.Name):
			return fmt.Errorf("the teacher's list of contents says %s has no record, but the teacher never admitted %s",
				replicas.QuoteName(m.Name), replicas.QuoteName(m.Name))
		case has[m.Name]:
			return fmt.Errorf("the teacher's list of contents says %s has no record, and names its record", replicas.QuoteName(m.Name))
		}
		has[m.Name] = true
	}
	for _, n := range rec.Names {
		if !has[n] {
			rec.Missing = append(rec.Missing, missingRecord{Name: n, Why: "the teacher's file gives no reason"})
		}
	}
	return nil
}

// signedBy checks a record's signature against the key the teacher
// admitted for its member: a signature no key of the class made is
// damage; one another member's key made is forgery.
func signedBy(st *state, env *envelope, seal *sealed) error {
	name := replicas.QuoteName(env.From)
	a := st.roster[env.From]
	if a == nil {
		return fmt.Errorf("a record of %s, whom the teacher never admitted", name)
	}
	if verify(ed25519.PublicKey(a.rec.Key), seal.Body, seal.Sig) {
		return nil
	}
	for _, other := range slices.Sorted(mapsKeys(st.roster)) {
		if other != env.From && verify(ed25519.PublicKey(st.roster[other].rec.Key), seal.Body, seal.Sig) {
			return fmt.Errorf("%s's record is forged: signed by %s's key, not %s's", name, replicas.QuoteName(other), name)
		}
	}
	return fmt.Errorf("%s's record is damaged (its signature does not match)", name)
}

// compareNames orders members: the teacher first, then by name.
func compareNames(a, b, teacher string) int {
	switch {
	case a == b:
		return 0
	case a == teacher:
		return -1
	case b == teacher:
		return 1
	case a < b:
		return -1
	}
	return 1
}

// decodeRecord reads the record a (signature-checked) payload carries. A
// record that speaks for another member (its name, or an edit it says it
// made) is forged.
func decodeRecord(env *envelope) (*memberRecord, error) {
	_, dec := codec()
	var r memberRecord
	if err := dec.Unmarshal(env.Record.Data, &r); err != nil {
		return nil, fmt.Errorf("%s's record does not decode: %v", replicas.QuoteName(env.From), err)
	}
	if r.Name != env.From || r.Run != env.Run {
		return nil, forged("%s sent a record it says is %s's", env.From, r.Name)
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return &r, nil
}

// check checks a record's events: kinds, names and texts a screen can
// show, and that what it says it made is its own.
func (r *memberRecord) check() error {
	if r.NotKept < 0 || r.Untraced < 0 {
		return fmt.Errorf("%s's record: a negative count", replicas.QuoteName(r.Name))
	}
	for i, e := range r.Events {
		bad := func(what string) error {
			return fmt.Errorf("%s's record: event %d: %s", replicas.QuoteName(r.Name), i+1, what)
		}
		if e.Type < recEdit || e.Type > recControl {
			return bad("of an unknown type")
		}
		if e.Out > outBad || e.Via > viaState || int(e.Kind) > kindRecord {
			return bad("out of range")
		}
		for _, n := range []string{e.Peer, e.Of} {
			if n != "" && replicas.CheckName(n) != nil {
				return bad("names no member")
			}
		}
		switch {
		case e.Type == recEdit && e.Of == "":
			return bad("an edit with no author")
		case e.Type == recEdit && e.Of != r.Name:
			return forged("it claims an edit by %s (%s) as its own", e.Of, cut(e.Text, 40))
		case e.Type == recSend && !e.Rel && e.Of != "" && e.Of != r.Name:
			return forged("it claims to have made %s's edit, not passed it on", e.Of)
		case e.Type == recRecv && e.Peer == "":
			return bad("a receipt from no one")
		}
		if len(e.Text) > 300 || !validText(e.Text) {
			return bad("with a text a screen cannot show")
		}
		if len(e.Groups) > maxMembers {
			return bad("with too many groups")
		}
		n := 0
		for _, g := range e.Groups {
			for _, name := range g {
				if n++; n > maxMembers || replicas.CheckName(name) != nil {
					return bad("with a partition that names no member")
				}
			}
		}
	}
	return nil
}

// keepMembers leaves out the events that name someone who is not a
// member: a receipt from, or a transmission to, a laptop the teacher never
// admitted, an edit passed on whose author it never admitted, a partition
// of names it never admitted. It returns how many, and names the first
// few of them.
func (r *memberRecord) keepMembers(member func(string) bool) (int, string) {
	var who []string
	n := 0
	keep := r.Events[:0]
	for _, e := range r.Events {
		bad := ""
		for _, name := range []string{e.Peer, e.Of} {
			if name != "" && !member(name) {
				bad = name
			}
		}
		for _, g := range e.Groups {
			for _, name := range g {
				if !member(name) {
					bad = name
				}
			}
		}
		if bad == "" {
			keep = append(keep, e)
			continue
		}
		n++
		if !slices.Contains(who, bad) && len(who) < 4 {
			who = append(who, bad)
		}
	}
	r.Events = keep
	list := strings.Join(who, ", ")
	if len(who) == 4 {
		list = strings.Join(who[:3], ", ") + ", …"
	}
	return n, list
}
