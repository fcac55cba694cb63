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
	InReplyTo int64 // 0 when absent or not an integer
	HasReply  bool  // in_reply_to is present
	// badReply says what is wrong with in_reply_to, when it is there but
	// not an integer. Only an answer to c1 must get it right (see
	// ReplyError): between nodes, bodies are the nodes' own business, as
	// in Maelstrom.
	badReply string
}

// ReplyError says why an answer to c1 cannot be matched with its
// request: an in_reply_to that is not an integer.
func (m Message) ReplyError() error {
	if m.badReply != "" {
		return errors.New(m.badReply)
	}
	return nil
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
		return Message{}, fmt.Errorf("wrote a line that is not a JSON message (%v): %s", plainJSONError(err), around(string(line), errorOffset(err, dec), 60))
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
	if m.InReplyTo, m.HasReply, err = intField(h.InReplyTo, "in_reply_to"); err != nil {
		m.badReply = err.Error()
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
		return 0, true, fmt.Errorf("wrote to %s a message whose %q is %s, not an integer: it must be the msg_id of the request it answers", Client, name, clipText(string(*raw), 30))
	}
	return n, true, nil
}

// clipText shortens a JSON value for a message, as it was written.
func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// errorOffset is the byte offset of a JSON syntax error, or -1.
func errorOffset(err error, dec *json.Decoder) int {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return int(se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return int(te.Offset)
	}
	return int(dec.InputOffset())
}

// around quotes up to n characters of a line around byte offset at (the
// bad token in view), with an ellipsis for what it leaves out.
func around(line string, at, n int) string {
	r := []rune(line)
	if len(r) <= n || at < 0 {
		return Excerpt(line, n)
	}
	pos := utf8.RuneCountInString(line[:min(max(at, 0), len(line))])
	start := max(0, min(pos-n*2/3, len(r)-n))
	end := min(len(r), start+n)
	s := strconv.Quote(string(r[start:end]))
	if start > 0 {
		s = "…" + s
	}
	if end < len(r) {
		s += "…"
	}
	return s
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
