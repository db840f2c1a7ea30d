// The load harness is a module of its own, so `go test ./...` at the root
// builds and tests the product only. It imports nothing of watcher: it
// drives the watcher binary as a user would.
module github.com/figwatch/watcher/bench

go 1.26.8

require go.etcd.io/bbolt v1.5.0

require golang.org/x/sys v0.45.0 // indirect
