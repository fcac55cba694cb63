package trace

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

var scanSources = []string{
	`{"startContent":"ab","endContent":"aXYc","txns":[{"patches":[[1,0,"XY"]]},{"patches":[[3,1,"c"]]}]}`,
	` { "numAgents" : 2 , "endContent" : "ab12c" , "txns" : [ { "parents" : [ ] , "agent" : 0 , "patches" : [ [ 0 , 0 , "ab" ] ] } ,
	  { "parents" : [ 0 ] , "agent" : 1 , "patches" : [ [ 2 , 0 , "12" ] ] } ] , "extra" : {"a":[1,2.5e3,true,false,null,"x\"y"]} } `,
	`{"startContent":"\u00e9\ud83d\ude00\n\t\\\/","endContent":"\u00e9\ud83d\ude00\n\t\\/é","txns":[{"patches":[[5,0,"é"]]}]}`,
	`{"endContent":"","txns":[{"patches":[[5,9,"x"]]}]}`,
	`{"endContent":"x","txns":[{"patches":[[0,0,"x"]]}]} trailing`,
	`{"endContent":"x","txns":[{"patches":[[0,0,"x",1]]}]}`,
	`{"endContent":"x","txns":[{"patches":[[0,-1,"x"]]}]}`,
	`{"endContent":null,"txns":[]}`,
	`{"endContent":"x","txns":[{"patches":[[99999999999999999999,0,"x"]]}]}`,
	`{"endContent":"x","txns":[{"patches":[[0,0,"a\u12"]]}]}`,
}

// TestScannerAnyWindow: the scanner reads the same traces, and fails on
// the same inputs, whatever its window's size, so that no token is read
// wrong across the edge of a window.
func TestScannerAnyWindow(t *testing.T) {
	defer func(w int) { windowSize = w }(windowSize)
	for _, src := range scanSources {
		windowSize = 64 << 10
		want, wantErr := Load(strings.NewReader(src))
		for w := 1; w <= 24; w++ {
			windowSize = w
			got, err := Load(strings.NewReader(src))
			if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("window %d, %.40q: got %+v, %v; want %+v, %v", w, src, got, err, want, wantErr)
			}
		}
	}
}

// Trailing garbage, and a gzip stream whose checksum is wrong, are not
// traces.
func TestTraceEndsWhereItEnds(t *testing.T) {
	if _, err := Load(strings.NewReader(scanSources[4])); !errors.Is(err, ErrNotTrace) {
		t.Fatalf("trailing garbage: %v", err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(scanSources[0]))
	w.Close()
	b := gz.Bytes()
	if _, err := Load(bytes.NewReader(b)); err != nil {
		t.Fatalf("a good gzip: %v", err)
	}
	bad := append([]byte(nil), b...)
	bad[len(bad)-6] ^= 0xff // the CRC, in the trailer
	if _, err := Load(bytes.NewReader(bad)); !errors.Is(err, ErrNotTrace) {
		t.Fatalf("a bad checksum: %v", err)
	}
	if _, err := ReplayStream(bytes.NewReader(bad)); !errors.Is(err, ErrNotTrace) {
		t.Fatalf("a bad checksum, streamed: %v", err)
	}
}

// A gzip file whose trailer says it inflates past the limit is refused
// before anything is inflated.
func TestGzipSizeIsCheckedFirst(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(scanSources[0]))
	w.Close()
	b := gz.Bytes()
	b[len(b)-1] = 0x7f // ISIZE: about 2 GB
	path := t.TempDir() + "/bomb.json.gz"
	os.WriteFile(path, b, 0o644)
	if _, _, err := ReplayFile(path); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

// TestDeepNestingIsRefused: a file of millions of '[' is an error, not a
// stack overflow.
func TestDeepNestingIsRefused(t *testing.T) {
	for _, prefix := range []string{`{"x":`, `{"txns":[{"x":`, `{"startContent":"","x":{"a":`} {
		src := prefix + strings.Repeat("[", 1_000_000)
		_, err := Load(strings.NewReader(src))
		if !errors.Is(err, ErrNotTrace) || !strings.Contains(err.Error(), "nested more than") {
			t.Fatalf("%s…: %v", prefix, err)
		}
	}
}
