package main

import (
	"strings"
	"testing"
)

func TestDisplayProblem(t *testing.T) {
	sockets := map[string]bool{"/tmp/.X11-unix/X0": true}
	exists := func(p string) bool { return sockets[p] }
	for _, c := range []struct {
		goos, display, wayland string
		want                   string // "" or a part of the problem
	}{
		{"linux", "", "", "neither DISPLAY"},
		{"linux", ":0", "", ""},
		{"linux", ":0.1", "", ""},
		{"linux", ":77", "", "no X server listens"},
		{"linux", ":77", "wayland-0", ""},
		{"linux", "", "wayland-0", ""},
		{"linux", "remote:10.0", "", ""},
		{"linux", ":x", "", ""},
		{"freebsd", "", "", "neither DISPLAY"},
		{"windows", "", "", ""},
		{"darwin", "", "", ""},
	} {
		env := map[string]string{"DISPLAY": c.display, "WAYLAND_DISPLAY": c.wayland}
		got := displayProblem(c.goos, func(k string) string { return env[k] }, exists)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s DISPLAY=%q WAYLAND_DISPLAY=%q: %q, want %q", c.goos, c.display, c.wayland, got, c.want)
		}
	}
}
