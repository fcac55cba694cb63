package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Client is the node id crdtviz uses as Maelstrom's client: every edit and
// every read comes from it, and a node answers it by writing a message
// whose dest is "c1".
const Client = "c1"

// Services are the node ids of Maelstrom's services. A node that writes to
// one is told, and stopped: the lab runs CRDTs that talk only to each
// other.
var Services = []string{"seq-kv", "lin-kv", "lww-kv", "lin-tso"}

// Message is one line of Maelstrom's protocol: {"src", "dest", "body"}.
// Body is the body exactly as the node wrote it (compacted), so that the
// screen can show it; Type, MsgID and InReplyTo are read from it.
type Message struct {
	Src, Dest string
	Body      json.RawMessage
	Type      string
	MsgID     int64 // 0 when absent
	InReplyTo int64 // 0 when absent
	HasReply  bool  // in_reply_to is present
}

// envelope is the shape of a line on the wire.
type envelope struct {
	Src  *string         `json:"src"`
	Dest *string         `json:"dest"`
	Body json.RawMessage `json:"body"`
}

// header is the part of a body the lab reads for every message.
type header struct {
	Type      *string          `json:"type"`
	MsgID     *json.RawMessage `json:"msg_id"`
	InReplyTo *json.RawMessage `json:"in_reply_to"`
}

// ParseLine reads one line a node wrote to its stdout. The error says, in
// a sentence a student can act on, what is wrong with it.
func ParseLine(line []byte) (Message, error) {
	line = bytes.TrimSpace(line)
	if !utf8.Valid(line) {
		return Message{}, errors.New("wrote a line that is not UTF-8 text")
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&env); err != nil {
		return Message{}, fmt.Errorf("wrote a line that is not a JSON message (%v): %s", plainJSONError(err), Excerpt(string(line), 60))
	}
	if dec.More() {
		return Message{}, fmt.Errorf("wrote two JSON values on one line; write one message per line: %s", Excerpt(string(line), 60))
	}
	switch {
	case env.Src == nil:
		return Message{}, fmt.Errorf(`wrote a message without "src": %s`, Excerpt(string(line), 60))
	case env.Dest == nil:
		return Message{}, fmt.Errorf(`wrote a message without "dest": %s`, Excerpt(string(line), 60))
	case len(env.Body) == 0 || env.Body[0] != '{':
		return Message{}, fmt.Errorf(`wrote a message whose "body" is not a JSON object: %s`, Excerpt(string(line), 60))
	}
	var h header
	if err := json.Unmarshal(env.Body, &h); err != nil || h.Type == nil {
		return Message{}, fmt.Errorf(`wrote a message whose body has no "type" string: %s`, Excerpt(string(line), 60))
	}
	m := Message{Src: *env.Src, Dest: *env.Dest, Type: *h.Type}
	var err error
	if m.MsgID, _, err = intField(h.MsgID, "msg_id"); err != nil {
		return Message{}, err
	}
	if m.InReplyTo, m.HasReply, err = intField(h.InReplyTo, "in_reply_to"); err != nil {
		return Message{}, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, env.Body); err != nil {
		return Message{}, fmt.Errorf("wrote a message whose body is not JSON: %v", err)
	}
	m.Body = buf.Bytes()
	return m, nil
}

// intField reads an optional integer field of a body.
func intField(raw *json.RawMessage, name string) (int64, bool, error) {
	if raw == nil || string(*raw) == "null" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(string(*raw), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("wrote a message whose %q is %s, not an integer", name, Excerpt(string(*raw), 30))
	}
	return n, true, nil
}

// plainJSONError shortens encoding/json's messages.
func plainJSONError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "json: ")
	if s == "EOF" || s == "unexpected EOF" {
		return "it ends too soon"
	}
	return s
}

// Excerpt shortens s to at most n characters for a message, quoting it.
func Excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return strconv.Quote(string(r[:n])) + "…"
	}
	return strconv.Quote(s)
}

// Line renders a message as the line a node reads on its stdin.
func Line(src, dest string, body json.RawMessage) []byte {
	b, _ := json.Marshal(struct {
		Src  string          `json:"src"`
		Dest string          `json:"dest"`
		Body json.RawMessage `json:"body"`
	}{src, dest, body})
	return append(b, '\n')
}

// Body builds a body from its type, msg_id (0 for none) and other fields.
func Body(typ string, msgID int64, fields map[string]any) json.RawMessage {
	m := map[string]any{"type": typ}
	if msgID != 0 {
		m["msg_id"] = msgID
	}
	for k, v := range fields {
		m[k] = v
	}
	b, _ := json.Marshal(m) // maps marshal in key order: deterministic
	return b
}

// ErrorBody is the protocol's error body: {"type":"error","code":..,"text":..}.
type ErrorBody struct {
	Code int    `json:"code"`
	Text string `json:"text"`
}

// errorNames are Maelstrom's defined error codes (doc/protocol.md).
var errorNames = map[int]string{
	0: "timeout", 1: "node-not-found", 10: "not-supported", 11: "temporarily-unavailable",
	12: "malformed-request", 13: "crash", 14: "abort", 20: "key-does-not-exist",
	21: "key-already-exists", 22: "precondition-failed", 30: "txn-conflict",
}

// definite codes say that the operation certainly did not happen; every
// other code, and every code of 1000 or more, leaves it in doubt.
var definite = map[int]bool{1: true, 10: true, 11: true, 12: true, 14: true, 20: true, 21: true, 22: true, 30: true}

// Definite reports whether an error code means the operation did not
// happen.
func (e ErrorBody) Definite() bool { return definite[e.Code] }

// String is "error 11 (temporarily-unavailable): not ready".
func (e ErrorBody) String() string {
	s := "error " + strconv.Itoa(e.Code)
	if n, ok := errorNames[e.Code]; ok {
		s += " (" + n + ")"
	}
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}
