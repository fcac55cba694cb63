package trace

import (
	"bytes"
	"encoding/json"
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
		`{"endContent":"x","txns":[{"time":"t\u00e9","patches":[ [ 0 , 0 , "x" ] ]}]}`,
		"{\"endContent\":\"\xc3\",\"txns\":[{\"patches\":[[0,0,\"\xc3\"]]}]}",
		`{"endContent":"x","txns":[{"patches":[[0,0,"x"],[1,0,"\t"]]}]}`,
		`{"endContent":"x","txns":[{"patches":[[01,0,"x"]]}]}`,
		`{"endContent":"x","txns":[{"patches":[[0.5,0,"x"]]}]}`,
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
		if len(data) > 0 && data[0] != 0x1f {
			// What the streaming scanner accepts is JSON, and it reads the
			// same patches as the standard library.
			var std any
			if err := json.Unmarshal(data, &std); err != nil {
				t.Fatalf("Load accepted what encoding/json refuses (%v): %q", err, data)
			}
			txns, _ := std.(map[string]any)["txns"].([]any)
			if len(txns) != len(tr.Txns) {
				t.Fatalf("scanner read %d transactions, encoding/json %d", len(tr.Txns), len(txns))
			}
			for i, tx := range txns {
				patches, _ := tx.(map[string]any)["patches"].([]any)
				if len(patches) != len(tr.Txns[i].Patches) {
					t.Fatalf("txn %d: scanner read %d patches, encoding/json %d", i, len(tr.Txns[i].Patches), len(patches))
				}
				for j, p := range patches {
					got, want := tr.Txns[i].Patches[j], p.([]any)
					if want[0] != float64(got.Pos) || want[1] != float64(got.Del) || want[2] != got.Ins {
						t.Fatalf("txn %d patch %d: scanner read %+v, encoding/json %v", i, j, got, want)
					}
				}
			}
		}
		if len(tr.Txns) > 1000 {
			return // keep each run short
		}
		if rep, err := Replay(tr); err == nil && rep == nil {
			t.Fatal("no report and no error")
		}
	})
}
