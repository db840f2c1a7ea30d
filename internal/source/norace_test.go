//go:build !race

package source

// raceSlowdown scales time bounds in tests; see race_test.go.
const raceSlowdown = 1
