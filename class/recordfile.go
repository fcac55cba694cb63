package class

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"crdtviz/replicas"
)

// The file class start --record FILE writes: every member's record, as
// its member signed it, with what proves whose key signed each: the
// class's description (signed by the teacher key) and the teacher's
// admissions of the members (signed by it too). crdtviz class replay
// checks the whole chain again, so a record changed after the class, or
// a file that is not one, is refused with a clear error.

// recordMagic and recordFileVersion name the file format.
const (
	recordMagic       = "crdtviz class record"
	recordFileVersion = 1
	// maxFileBytes bounds a record file: the teacher asks each member for
	// at most its share, and replay refuses a larger file before reading
	// it.
	maxFileBytes = 64 << 20
)

// MaxRecordFileBytes is the most a record file may weigh.
const MaxRecordFileBytes = maxFileBytes

// recordFile is the file.
type recordFile struct {
	Magic   string   `cbor:"1,keyasint"`
	Version int      `cbor:"2,keyasint"`
	Class   string   `cbor:"3,keyasint"` // the class's id (its memberlist label)
	Info    []byte   `cbor:"4,keyasint"` // the class's description, sealed by the teacher
	Roster  [][]byte `cbor:"5,keyasint"` // the teacher's admissions, sealed by the teacher
	Records [][]byte `cbor:"6,keyasint"` // each member's record, sealed by the member (kindRecord)
	// Missing are the members with no record in the file, and why.
	Missing []missingRecord `cbor:"7,keyasint,omitempty"`
	Forged  int             `cbor:"8,keyasint,omitempty"` // records refused in collection: signed by someone else
	Written int64           `cbor:"9,keyasint"`           // the teacher's clock when it was written (Unix ms)
}

type missingRecord struct {
	Name string `cbor:"1,keyasint"`
	Why  string `cbor:"2,keyasint"`
}

// writeFileAtomic writes b to path through a temporary file in the same
// directory, renamed into place: a reader never sees half a file.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Recording is a record file, read and checked: the class, and each
// member's record, proved to be signed by the key the teacher admitted
// for it.
type Recording struct {
	Type, Mode, Teacher string
	Code                string // the teacher key's fingerprint: the class's join code
	Records             []memberRecord
	Missing             []missingRecord
	Forged              int
	Written             int64
}

// LoadRecording reads a record file. A file that is not one, is damaged,
// or whose records are not signed by their members' admitted keys gets
// an error saying what is wrong; it never panics, and its work is bounded
// by the file's size.
func LoadRecording(b []byte) (*Recording, error) {
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("%d MB: a class record is at most %d MB", len(b)>>20, maxFileBytes>>20)
	}
	_, dec := codec()
	var f recordFile
	if err := dec.Unmarshal(b, &f); err != nil || f.Magic != recordMagic {
		return nil, errors.New("not a crdtviz class record (crdtviz class start --record FILE writes one)")
	}
	if f.Version != recordFileVersion {
		return nil, fmt.Errorf("a class record of version %d; this crdtviz reads version %d", f.Version, recordFileVersion)
	}
	// The class's description: it names the teacher key, which signs it.
	st := newState("\x00replay", f.Class, 0, identity{})
	ie, err := st.openNested(f.Info, kindInfo)
	if err != nil {
		return nil, fmt.Errorf("the class's description: %v", err)
	}
	if ie.From != ie.Info.Teacher {
		return nil, errors.New("the class's description is not its teacher's")
	}
	if err := st.setClass(*ie.Info, f.Info); err != nil {
		return nil, fmt.Errorf("the class's description: %v", err)
	}
	rec := &Recording{Type: string(st.typ), Mode: st.mode.String(), Teacher: ie.Info.Teacher, Code: Fingerprint(ie.Info.TeacherKey),
		Missing: f.Missing, Forged: f.Forged, Written: f.Written}
	if len(f.Roster) > maxMembers || len(f.Records) > maxMembers || len(f.Missing) > maxMembers {
		return nil, fmt.Errorf("more than %d members", maxMembers)
	}
	for i, raw := range f.Roster {
		ae, err := st.openNested(raw, kindAdmit)
		if err != nil {
			return nil, fmt.Errorf("admission %d: %v", i+1, err)
		}
		st.takeAdmission(*ae.Admit, raw, true)
	}
	st.out = nil
	seen := map[string]bool{}
	for i, raw := range f.Records {
		r, err := st.openRecord(raw, maxRecordBytes+4096)
		if err != nil {
			return nil, fmt.Errorf("record %d: %v", i+1, err)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("two records of %s", replicas.QuoteName(r.Name))
		}
		seen[r.Name] = true
		rec.Records = append(rec.Records, *r)
	}
	for _, m := range f.Missing {
		if err := replicas.CheckName(m.Name); err != nil || len(m.Why) > 200 || !validText(m.Why) {
			return nil, errors.New("a missing record with a name or reason a screen cannot show")
		}
	}
	if f.Forged < 0 || f.Forged > 1<<20 {
		return nil, errors.New("a count of forged records out of range")
	}
	slices.SortFunc(rec.Records, func(a, b memberRecord) int { return compareNames(a.Name, b.Name, rec.Teacher) })
	return rec, nil
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

// openRecord reads a member's sealed record: its signature checked
// against the key the teacher admitted for its sender, and its contents
// checked to be a record of that member that a screen can show.
func (s *state) openRecord(raw []byte, limit int) (*memberRecord, error) {
	env, seal, err := unseal(raw, limit, s.class)
	if err != nil {
		return nil, err
	}
	if env.Kind != kindRecord {
		return nil, fmt.Errorf("a %s where a record belongs", kindName(env.Kind))
	}
	if s.roster[env.From] == nil {
		return nil, fmt.Errorf("a record of %s, whom the teacher never admitted", replicas.QuoteName(env.From))
	}
	if err := s.open(env, seal); err != nil {
		return nil, fmt.Errorf("%s's record: %v", replicas.QuoteName(env.From), err)
	}
	return decodeRecord(env)
}

// decodeRecord reads the record a (signature-checked) payload carries.
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
		return nil, fmt.Errorf("%s's record: %v", replicas.QuoteName(r.Name), err)
	}
	return &r, nil
}

// check checks a record's events: kinds, names and texts a screen can
// show.
func (r *memberRecord) check() error {
	if r.NotKept < 0 || r.Untraced < 0 {
		return errors.New("a negative count")
	}
	for i, e := range r.Events {
		bad := func(what string) error { return fmt.Errorf("event %d: %s", i+1, what) }
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
		if e.Type == recEdit && e.Of == "" {
			return bad("an edit with no author")
		}
		if e.Type == recRecv && e.Peer == "" {
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
