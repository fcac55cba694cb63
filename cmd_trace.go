package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"crdtviz/crdt/trace"
)

func cmdTrace(args []string, stdout, stderr io.Writer) int {
	flags := newFlags("trace", "trace FILE\n\nReplays an editing trace (josephg/editing-traces format, gzipped or plain JSON)\ninto the text CRDT and checks the result against its endContent.", stderr)
	pos, code := parseFlags(flags, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		flags.Usage()
		return exitUsage
	}
	path := pos[0]
	start := time.Now()
	tr, rep, err := trace.ReplayFile(path)
	elapsed := time.Since(start)
	switch {
	case errors.Is(err, trace.ErrNotTrace), errors.Is(err, trace.ErrTooLarge):
		fmt.Fprintf(stderr, "crdtviz trace: %s: %v\n", path, err)
		return exitUsage
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		fmt.Fprintf(stderr, "crdtviz trace: %v\n", err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "crdtviz trace: %s: replay failed: %v\n", path, err)
		return 1
	}
	kind := "sequential"
	if tr.Concurrent {
		kind = fmt.Sprintf("concurrent, %d agents", rep.Replicas)
	}
	fmt.Fprintf(stdout, "trace:      %s (%s)\n", path, kind)
	fmt.Fprintf(stdout, "operations: %d transactions, %d patches (%d inserted, %d deleted code points)\n", rep.Txns, rep.Patches, rep.Inserted, rep.Deleted)
	fmt.Fprintf(stdout, "time:       %s, reading and replaying\n", elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "metadata:   %d items at peak, %d of them tombstones\n", rep.Items, rep.Tombstones)
	fmt.Fprintf(stdout, "final text: %d characters\n", len([]rune(rep.Final)))
	if !rep.Match {
		fmt.Fprintf(stdout, "result:     MISMATCH: %s\n", rep.Diff)
		return 1
	}
	fmt.Fprintln(stdout, "result:     match")
	return 0
}
