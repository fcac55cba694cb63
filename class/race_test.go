//go:build race

package class

// raceEnabled: under the race detector everything runs several times
// slower, and the tests that send megabytes send less.
const raceEnabled = true
