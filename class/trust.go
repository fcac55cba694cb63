package class

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Who may do what in a class, and how a payload proves it.
//
// The teacher's process makes an Ed25519 key pair at start: the teacher
// key. It signs the class's description (type, mode, teacher, teacher
// key), every control (partition, heal, reset) and every admission of a
// member. Each student's process makes its own key pair and asks the
// teacher to admit (name, public key); the teacher decides under its own
// lock, so a name is admitted once. Every edit, view, plain write and
// push/pull state is signed by the member that made it and checked
// against the admitted key. A payload signed by anyone else is dropped
// and counted as forged.
//
// The join code is a fingerprint of the teacher key: 80 bits of its
// SHA-256, written as 16 letters and digits in groups of four. The class's
// memberlist key (AES-256, which keeps other rooms out) is derived from
// the code with Argon2id, so the code is all a student types; the joiner
// then checks the teacher key it receives against the code.

// codeBits is how much of the teacher key's hash the join code holds.
const codeBits = 80

// codeAlphabet is Crockford's base 32: no I, L, O or U, so a code read
// aloud or copied off a projector has no look-alike letters.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var codeEncoding = base32.NewEncoding(codeAlphabet).WithPadding(base32.NoPadding)

// keySalt is the fixed, versioned salt of the code's key derivation. A
// new derivation gets a new version, so that old and new never mix.
const keySalt = "crdtviz class memberlist key, v1"

// The Argon2id cost: RFC 9106's second recommended option (3 passes over
// 64 MiB), about a quarter of a second on a laptop, once per join.
const (
	kdfTime    = 3
	kdfMemory  = 64 * 1024
	kdfThreads = 4
)

// identity is a key pair: the teacher's, or a member's.
type identity struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newIdentity() identity {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic("class: no randomness for a key pair: " + err.Error())
	}
	return identity{pub: pub, priv: priv}
}

// signDomain separates the class's signatures from any other use of a key.
const signDomain = "crdtviz class payload v2\x00"

func (id identity) sign(body []byte) []byte {
	return ed25519.Sign(id.priv, append([]byte(signDomain), body...))
}

func verify(pub ed25519.PublicKey, body, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize &&
		ed25519.Verify(pub, append([]byte(signDomain), body...), sig)
}

// Fingerprint is a teacher key's join code: 80 bits of its SHA-256, in
// Crockford base 32, grouped by four: KQ4T-9WZM-3XH7-P2LC.
func Fingerprint(pub []byte) string {
	sum := sha256.Sum256(append([]byte("crdtviz teacher key\x00"), pub...))
	s := codeEncoding.EncodeToString(sum[:codeBits/8])
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
}

// ParseCode reads a join code as a student types it: any case, with or
// without dashes or spaces, I and L read as 1, O as 0, as Crockford's
// alphabet says. It returns the code in its written form.
func ParseCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ':
			continue
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		if !strings.ContainsRune(codeAlphabet, r) {
			return "", fmt.Errorf("a join code has the letters and digits the teacher's screen shows (%q is not one of them)", r)
		}
		b.WriteRune(r)
	}
	c := b.String()
	if len(c) != codeBits/5 {
		return "", fmt.Errorf("a join code is %d letters and digits in groups of four, such as KQ4T-9WZM-3XH7-P2LC; this has %d", codeBits/5, len(c))
	}
	return c[0:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16], nil
}

// KeyFromCode derives a class's memberlist key from its join code, with
// Argon2id and the fixed salt: the code is all a student needs.
func KeyFromCode(code string) []byte {
	return argon2.IDKey([]byte(code), []byte(keySalt), kdfTime, kdfMemory, kdfThreads, KeySize)
}
