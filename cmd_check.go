package main

import (
	"fmt"
	"io"

	"crdtviz/demos"
)

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "check FILE|NAME...\n\nRuns each scenario headless and checks every expect line. NAME is a built-in demo.", stderr)
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) == 0 {
		fs.Usage()
		return exitUsage
	}
	passed, failed, broken := 0, 0, false
	for _, arg := range pos {
		s, err := demos.Load(arg)
		if err != nil {
			fmt.Fprintln(stderr, err)
			failed++
			broken = true
			continue
		}
		run := demos.Execute(s)
		for _, step := range run.Steps {
			for _, e := range step.Expects {
				if !e.Pass {
					fmt.Fprintf(stdout, "%s:%d: %s\n", e.Statement.Pos.File, e.Statement.Pos.Line, e.Failure())
				}
			}
		}
		passed += run.Passed()
		failed += run.Failed()
		if run.Err != nil {
			fmt.Fprintln(stderr, run.Err)
			failed++
			broken = true
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	switch {
	case broken:
		return exitUsage
	case failed > 0:
		return 1
	}
	return 0
}
