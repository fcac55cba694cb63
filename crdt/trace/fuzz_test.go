package trace

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzLoad feeds anything to the trace loader: it returns a trace, an
// ErrNotTrace or ErrTooLarge, and never panics; a loaded trace replays to a
// report or an error.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		`{"startContent":"ab","endContent":"aXYc","txns":[{"patches":[[1,0,"XY"]]},{"patches":[[3,1,"c"]]}]}`,
		`{"numAgents":2,"endContent":"ab12c","txns":[{"parents":[],"agent":0,"patches":[[0,0,"ab"]]},{"parents":[0],"agent":1,"patches":[[2,0,"12"]]}]}`,
		`{"endContent":"","txns":[{"patches":[[5,9,"x"]]}]}`,
		"\x1f\x8b\x08", "null", "[]", `{"txns":{}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Load(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrNotTrace) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error is neither ErrNotTrace nor ErrTooLarge: %v", err)
			}
			return
		}
		if len(tr.Txns) > 1000 {
			return // keep each run short
		}
		if rep, err := Replay(tr); err == nil && rep == nil {
			t.Fatal("no report and no error")
		}
	})
}
