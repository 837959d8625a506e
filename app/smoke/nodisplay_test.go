package smoke

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// withoutDisplay returns the environment with DISPLAY and WAYLAND_DISPLAY
// removed.
func withoutDisplay() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DISPLAY=") || strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// TestNoDisplayExplains starts the desktop app with neither DISPLAY nor
// WAYLAND_DISPLAY set, and with DISPLAY naming a local display no X server
// listens on: it must say so and what to do instead, exit with
// status 1 rather than panic in the window driver, and leave the data
// folder untouched.
func TestNoDisplayExplains(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the display check is for X11 and Wayland systems")
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildGrove(t)
	unused := ""
	for n := 199; n > 150; n-- {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); errors.Is(err, os.ErrNotExist) {
			unused = fmt.Sprintf(":%d", n)
			break
		}
	}
	cases := map[string][]string{
		"unset":       nil,
		"no X server": {"DISPLAY=" + unused},
	}
	for name, extra := range cases {
		t.Run(name, func(t *testing.T) {
			if name == "no X server" && unused == "" {
				t.Skip("no free display number")
			}
			noDisplayRun(t, bin, extra)
		})
	}
}

// noDisplayRun runs the desktop app with DISPLAY and WAYLAND_DISPLAY unset,
// plus extra environment, and checks it explains and exits.
func noDisplayRun(t *testing.T, bin string, extra []string) {
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--data", data)
	// Should the check fail to stop it, the app stays off the LAN.
	cmd.Env = append(withoutDisplay(), "LANG=en_US.UTF-8", "GROVE_INTERFACES=none", "GROVE_LISTEN=127.0.0.1:0",
		"XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("grove with no display, stderr:\n%s", stderr.String())

	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", err)
	}
	msg := stderr.String()
	for _, want := range []string{"no display", "DISPLAY", "grove run", "grove --help"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q", want)
		}
	}
	for _, bad := range []string{"panic", "goroutine", "GLFW"} {
		if strings.Contains(msg, bad) {
			t.Errorf("message has %q: the window driver was started", bad)
		}
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout %q, want nothing (the message goes to stderr)", stdout.String())
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data folder %s: %v, want it not created", data, err)
	}
}
