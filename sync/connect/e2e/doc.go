// Package e2e holds the end-to-end test of connected mode: a real `grove
// serve` process and two devices, each a data folder driven by `grove`
// commands and a `grove run` process, over loopback TLS. It has no
// non-test code.
//
// Everything listens on 127.0.0.1 and LAN discovery is off
// (GROVE_INTERFACES=none, --interfaces none): peers reach each other by the
// addresses an invitation carries. The devices reach the server through a
// TLS front end in the test that presents the server's own certificate
// (`grove serve --cert/--key`) and forwards each request unchanged; it keeps
// the server's URL the same across server restarts and can hold chosen
// batches, so that two members push the same change at once and a device
// is killed in the middle of a push.
//
// The test builds the binary once (`go build` at the repository root), or
// uses $GROVE_E2E_BIN. It skips under -short.
package e2e
