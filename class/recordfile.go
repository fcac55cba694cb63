package class

import (
	"crypto/sha256"
	"os"
	"path/filepath"
)

// The file class start --record FILE writes: every member's record, as
// its member signed it, with what proves whose key signed each: the
// class's description (signed by the teacher key) and the teacher's
// admissions of the members (signed by it too). The teacher also signs
// the file's list of contents: a hash of each part (the description, each
// admission, each record and whose it is), each member with no record
// and why, and how many forged records it refused. crdtviz class replay
// checks the whole chain again (recordload.go), so a record changed,
// added or taken out after the class, or a file that is not one, is
// refused with a clear error.

// recordMagic and recordFileVersion name the file format. Version 2 signs
// the list of contents; version 1 did not, and is not read.
const (
	recordMagic       = "crdtviz class record"
	recordFileVersion = 2
	// maxFileBytes bounds a record file: the teacher asks each member for
	// at most its share, and replay refuses a larger file before reading
	// it.
	maxFileBytes = 64 << 20
)

// MaxRecordFileBytes is the most a record file may weigh.
const MaxRecordFileBytes = maxFileBytes

// contentsDomain separates the signature of a file's list of contents
// from every payload's.
const contentsDomain = "crdtviz class record contents v2\x00"

// recordFile is the file.
type recordFile struct {
	Magic   string   `cbor:"1,keyasint"`
	Version int      `cbor:"2,keyasint"`
	Class   string   `cbor:"3,keyasint"` // the class's id (its memberlist label)
	Info    []byte   `cbor:"4,keyasint"` // the class's description, sealed by the teacher
	Roster  [][]byte `cbor:"5,keyasint"` // the teacher's admissions, sealed by the teacher
	Records [][]byte `cbor:"6,keyasint"` // each member's record, sealed by the member (kindRecord)
	// Contents is the file's list of contents (a CBOR fileContents), and
	// Sig the teacher key's signature of it.
	Contents []byte `cbor:"7,keyasint"`
	Sig      []byte `cbor:"8,keyasint"`
}

// fileContents is what the teacher vouches the file holds.
type fileContents struct {
	Class   string          `cbor:"1,keyasint"`
	Written int64           `cbor:"2,keyasint"` // the teacher's clock when it was written (Unix ms)
	Info    []byte          `cbor:"3,keyasint"` // SHA-256 of the class's description
	Roster  [][]byte        `cbor:"4,keyasint"` // SHA-256 of each admission, in the file's order
	Records []contentsEntry `cbor:"5,keyasint"` // each record, in the file's order
	// Missing are the members with no record in the file, and why.
	Missing []missingRecord `cbor:"6,keyasint,omitempty"`
	Forged  int             `cbor:"7,keyasint,omitempty"` // records refused in collection as forged
}

// contentsEntry is one record in the list of contents: whose, its hash,
// and, for a record older than the last request, why.
type contentsEntry struct {
	Name string `cbor:"1,keyasint"`
	Hash []byte `cbor:"2,keyasint"` // SHA-256 of the sealed record
	Note string `cbor:"3,keyasint,omitempty"`
}

type missingRecord struct {
	Name string `cbor:"1,keyasint"`
	Why  string `cbor:"2,keyasint"`
}

// fileRecord is a record the teacher writes: whose, as its member sealed
// it, and a note when it is not an answer to the last request.
type fileRecord struct {
	name, note string
	raw        []byte
}

func digest(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}

// sealFile writes the file of a class (its id, sealed description and
// admissions), with records recs: the list of contents c (its Missing,
// Forged and Written filled in) is completed and signed with the
// teacher's key id.
func sealFile(id identity, class string, info []byte, roster [][]byte, recs []fileRecord, c fileContents) []byte {
	f := recordFile{Magic: recordMagic, Version: recordFileVersion, Class: class, Info: info, Roster: roster}
	c.Class, c.Info = class, digest(info)
	for _, a := range roster {
		c.Roster = append(c.Roster, digest(a))
	}
	for _, r := range recs {
		f.Records = append(f.Records, r.raw)
		c.Records = append(c.Records, contentsEntry{Name: r.name, Hash: digest(r.raw), Note: r.note})
	}
	f.Contents = encode(&c)
	f.Sig = id.sign(append([]byte(contentsDomain), f.Contents...))
	return encode(&f)
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
