//go:build race

package model

// raceEnabled is set when the tests run under the race detector, which
// changes what is allocated.
const raceEnabled = true
