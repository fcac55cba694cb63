package class

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hashicorp/memberlist"
)

// Which of our payloads a memberlist packet carries, and to whom.
//
// memberlist's gossip picks the peers of a broadcast itself, and sends it
// to several of them in turn, packed with others into one UDP packet, or
// riding on a probe. Only the transport sees a packet go out to a named
// peer, and by then memberlist has encrypted it with the class key. A
// recording class needs each payload's peers (a message is one payload
// sent to one peer), so the transport hands each packet to the recorder,
// which opens it with the class key, as the receiver will, and reads off
// our payloads. The formats are memberlist's (v0.7.0: net.go, util.go,
// security.go, label.go), which this file follows and tap_test.go checks
// against memberlist's own packets.

// memberlist's message types that frame our payloads.
const (
	mlCompound = 7  // compoundMsg: several messages in one packet
	mlUser     = 8  // userMsg: one of ours
	mlHasCRC   = 12 // hasCrcMsg: a CRC-32 of the rest
)

// openPacket undoes memberlist's framing of a UDP packet: its label
// header, and its encryption with key (AES-GCM, the label as additional
// data), when there is a key.
func openPacket(key []byte, label string, b []byte) ([]byte, error) {
	b, l, err := memberlist.RemoveLabelHeaderFromPacket(b)
	if err != nil {
		return nil, err
	}
	if l != label {
		return nil, fmt.Errorf("a packet of another class")
	}
	if len(key) == 0 {
		return b, nil
	}
	const nonce, tag = 12, 16
	if len(b) < 1+nonce+tag || b[0] > 1 {
		return nil, errors.New("not an encrypted packet")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	var aad []byte
	if label != "" {
		aad = []byte(label)
	}
	plain, err := gcm.Open(nil, b[1:1+nonce], b[1+nonce:], aad)
	if err != nil {
		return nil, err
	}
	if b[0] == 0 { // version 0 pads with PKCS #7
		if len(plain) == 0 || int(plain[len(plain)-1]) > len(plain) {
			return nil, errors.New("bad padding")
		}
		plain = plain[:len(plain)-int(plain[len(plain)-1])]
	}
	return plain, nil
}

// userPayloads lists our payloads in a memberlist message: one user
// message, or the user messages of a compound one. Anything else
// (memberlist's own probes and membership news) holds none.
func userPayloads(msg []byte) [][]byte {
	if len(msg) >= 5 && msg[0] == mlHasCRC {
		msg = msg[5:]
	}
	if len(msg) == 0 {
		return nil
	}
	switch msg[0] {
	case mlUser:
		return [][]byte{msg[1:]}
	case mlCompound:
		if len(msg) < 2 {
			return nil
		}
		n := int(msg[1])
		rest := msg[2:]
		if len(rest) < 2*n {
			return nil
		}
		lens := rest[:2*n]
		rest = rest[2*n:]
		var out [][]byte
		for i := range n {
			l := int(binary.BigEndian.Uint16(lens[2*i:]))
			if l > len(rest) {
				break
			}
			part := rest[:l]
			rest = rest[l:]
			if len(part) > 0 && part[0] == mlUser {
				out = append(out, part[1:])
			}
		}
		return out
	}
	return nil
}
