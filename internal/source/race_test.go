//go:build race

package source

// raceSlowdown scales time bounds in tests: the race detector makes code
// five to ten times slower.
const raceSlowdown = 8
