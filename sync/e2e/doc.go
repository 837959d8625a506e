// Package e2e holds Grove's end-to-end test: real `grove` processes, each
// running `grove run` in a network namespace of its own, joined by veth
// pairs to a bridge in a further namespace, find each other over mDNS,
// join a workspace with an invitation code and sync records with no address
// given. It has no non-test code.
//
// Run it with sync/e2e/run.sh (root; it builds the binary and runs the test
// inside `unshare --net`). Under a plain `go test ./...` the test skips,
// because it runs only from a private network namespace.
package e2e
