package trace

import (
	"bytes"
	"fmt"
	"testing"
)

// frontTrace is the hostile sequential trace from issue 13: n transactions
// that insert a character at the front and delete it again, so tombstones
// pile up exactly where the cursor is.
func frontTrace(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"startContent":"end","endContent":"`)
	if n%2 == 1 {
		b.WriteString("x")
	}
	b.WriteString(`end","txns":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if i%2 == 0 {
			b.WriteString(`{"patches":[[0,0,"x"]]}`)
		} else {
			b.WriteString(`{"patches":[[0,1,""]]}`)
		}
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func TestFrontInsertDeleteReplays(t *testing.T) {
	for _, n := range []int{1, 2, 3, 1000, 20001} {
		rep, err := ReplayStream(bytes.NewReader(frontTrace(n)))
		if err != nil {
			t.Fatalf("%d transactions: %v", n, err)
		}
		if !rep.Match {
			t.Fatalf("%d transactions: the replay does not match: %s", n, rep.Diff)
		}
		if rep.Txns != n || rep.Inserted != (n+1)/2 || rep.Deleted != n/2 {
			t.Fatalf("%d transactions: report %+v", n, rep)
		}
	}
}

// BenchmarkFrontInsertDelete replays the hostile trace at three sizes. The
// time per transaction must stay about flat as n grows: position lookup is
// logarithmic in the number of blocks, however many tombstones there are.
func BenchmarkFrontInsertDelete(b *testing.B) {
	for _, n := range []int{100_000, 400_000, 800_000} {
		data := frontTrace(n)
		b.Run(fmt.Sprintf("txns=%dk", n/1000), func(b *testing.B) {
			for b.Loop() {
				rep, err := ReplayStream(bytes.NewReader(data))
				if err != nil || !rep.Match {
					b.Fatal(err, rep)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/txn")
		})
	}
}
