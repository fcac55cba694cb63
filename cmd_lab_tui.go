package main

import (
	"fmt"
	"io"

	"crdtviz/demos"
	"crdtviz/lab"
	"crdtviz/model"
	"crdtviz/replicas"
)

// runLabTUI runs the app with the student's lane. (TUI to come.)
func runLabTUI(opts model.Options, s *demos.Scenario, free *replicas.Config, argv []string, opt lab.Options, stderr io.Writer) int {
	fmt.Fprintln(stderr, "crdtviz lab: the app's third lane is not built yet; use lab demo --transcript")
	return 1
}
