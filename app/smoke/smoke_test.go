// Package smoke runs the real grove binary in a real X window under Xvfb:
// first run, a record created with the keyboard, a clean quit, and the
// record checked with the command line. Screenshots are kept in
// $GROVE_ARTIFACTS (default testdata/artifacts).
package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tools the smoke test needs; `make test` installs them.
var tools = []string{"Xvfb", "xdotool", "import"}

func artifacts(t *testing.T) string {
	dir := os.Getenv("GROVE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// buildGrove builds the binary from the repository root.
func buildGrove(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "grove")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// display starts Xvfb on a free display and stops it at cleanup.
func display(t *testing.T) string {
	t.Helper()
	for n := 90 + os.Getpid()%50; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		d := fmt.Sprintf(":%d", n)
		x := exec.Command("Xvfb", d, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		if err := x.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		t.Cleanup(func() { stop(x) })
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				return d
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("Xvfb %s did not come up", d)
	}
	t.Fatal("no free X display")
	return ""
}

// stop ends a process by PID: SIGTERM, then SIGKILL after 5 s.
func stop(c *exec.Cmd) {
	if c.Process == nil || c.ProcessState != nil {
		return
	}
	c.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.Process.Kill()
		<-done
	}
}

type session struct {
	t       *testing.T
	display string
	bin     string
	data    string
	art     string
}

// x runs an X tool with a time limit and returns its output.
func (s *session) x(timeout time.Duration, name string, args ...string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+s.display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// window waits for a window whose name matches and returns its ID.
func (s *session) window(name string) string {
	s.t.Helper()
	ids := strings.Fields(s.x(20*time.Second, "xdotool", "search", "--sync", "--name", name))
	if len(ids) == 0 {
		s.t.Fatalf("no window %q", name)
	}
	return ids[0]
}

// shot saves a screenshot of a window, retrying for a few seconds until
// it is painted, and fails when it stays blank.
func (s *session) shot(id, file string) image.Image {
	s.t.Helper()
	path := filepath.Join(s.art, file)
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.x(20*time.Second, "import", "-window", id, path)
		img, err := readPNG(path)
		if err != nil {
			s.t.Fatalf("screenshot %s: %v", path, err)
		}
		if n := colours(img); n >= 8 {
			return img
		} else if time.Now().After(deadline) {
			s.t.Fatalf("screenshot %s is blank (%d colours)", path, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// colours counts distinct colours on a grid of samples.
func colours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(seen)
}

// waitFor polls until ok or the time limit.
func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *session) start(args ...string) *exec.Cmd {
	s.t.Helper()
	cmd := exec.Command(s.bin, append([]string{"--data", s.data}, args...)...)
	// The app syncs: keep it on loopback and off the LAN (no multicast on
	// real interfaces in tests).
	cmd.Env = append(os.Environ(), "DISPLAY="+s.display, "LANG=en_US.UTF-8",
		"GROVE_INTERFACES=none", "GROVE_LISTEN=127.0.0.1:0",
		"XDG_CONFIG_HOME="+s.t.TempDir(), "XDG_CACHE_HOME="+s.t.TempDir())
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() {
		stop(cmd)
		if s.t.Failed() {
			s.t.Logf("grove output:\n%s", log.String())
		}
	})
	return cmd
}

func newSession(t *testing.T) *session {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("smoke test needs %s (apt-get install xvfb xauth xdotool imagemagick x11-utils): %v", tool, err)
		}
	}
	if testing.Short() {
		t.Skip("smoke test builds the binary and starts X; skipped with -short")
	}
	return &session{t: t, display: display(t), bin: buildGrove(t), data: t.TempDir(), art: artifacts(t)}
}

func TestFirstRunCreateRecordAndQuit(t *testing.T) {
	s := newSession(t)
	app := s.start()
	home := s.window("^Grove$")
	s.shot(home, "01-welcome.png")

	// The welcome asks for the device name; its entry has the focus.
	s.x(5*time.Second, "xdotool", "key", "--window", home, "ctrl+a")
	s.x(10*time.Second, "xdotool", "type", "--delay", "15", "Smoke laptop")
	s.x(5*time.Second, "xdotool", "key", "Return")
	ws := s.window("Sample team")
	time.Sleep(500 * time.Millisecond)
	s.shot(ws, "02-workspace.png")

	// A new contact by keyboard: Ctrl+N, name, Tab, e-mail, Ctrl+S.
	s.x(5*time.Second, "xdotool", "mousemove", "600", "400", "click", "1")
	s.x(5*time.Second, "xdotool", "key", "ctrl+n")
	time.Sleep(300 * time.Millisecond)
	s.x(10*time.Second, "xdotool", "type", "--delay", "15", "Xavier Smoke")
	s.x(5*time.Second, "xdotool", "key", "Tab")
	s.x(10*time.Second, "xdotool", "type", "--delay", "15", "xavier@smoke.example")
	s.x(5*time.Second, "xdotool", "key", "ctrl+s")
	time.Sleep(800 * time.Millisecond)
	s.shot(ws, "03-record-saved.png")

	// Quit with Ctrl+Q and wait for the process to end.
	s.x(5*time.Second, "xdotool", "key", "ctrl+q")
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		t.Fatal("grove did not quit on Ctrl+Q")
	}

	out, err := exec.Command(s.bin, "record", "list", "--data", s.data, "--ws", "Sample team", "--tool", "Contacts", "--json").Output()
	if err != nil {
		t.Fatalf("grove record list: %v", err)
	}
	var recs []struct {
		Fields map[string]any `json:"fields"`
	}
	if err := json.Unmarshal(out, &recs); err != nil {
		t.Fatalf("record list output: %v\n%s", err, out)
	}
	found := false
	for _, r := range recs {
		if r.Fields["Name"] == "Xavier Smoke" && r.Fields["Email"] == "xavier@smoke.example" {
			found = true
		}
	}
	if !found || len(recs) != 26 {
		t.Fatalf("record made in the window not found among %d records", len(recs))
	}
}

// vmHWM reads a process's peak resident set size in kB.
func vmHWM(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strconv.Atoi(strings.Fields(line)[1])
		}
	}
	return 0, fmt.Errorf("no VmHWM")
}
