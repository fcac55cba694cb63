//go:build !linux

package lab

// Only Linux has child subreapers: elsewhere the test binary never drives
// a lane for the subreaper tests.
func driving() bool { return false }

func driveLane() {}
