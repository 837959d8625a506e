// Package smoke runs the real grove binary in real X windows under Xvfb:
//
//   - first run: the welcome, a record created with the keyboard, a clean
//     quit, and the record checked with the command line;
//   - two instances with separate data folders, each on its own display,
//     sharing a workspace over loopback: an edit typed into one window
//     shows up in the other's, both ways (sync-latency.txt says how soon);
//   - a fresh process opening a workspace of 100,000 records
//     (first-paint.txt: how soon the rows are on screen);
//   - with no display at all, a clear message and status 1.
//
// Screenshots are kept in $GROVE_ARTIFACTS (default testdata/artifacts),
// one folder per test. The binary is built from the repository, or taken
// from $GROVE_SMOKE_BIN. The instances stay off the LAN: discovery is off
// (GROVE_INTERFACES=none) and they listen on 127.0.0.1 only.
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
	"sync"
	"syscall"
	"testing"
	"time"
)

// tools the smoke test needs; `make test` installs them.
var tools = []string{"Xvfb", "xdotool", "import"}

// artifacts returns the test's screenshot folder, $GROVE_ARTIFACTS (default
// testdata/artifacts) / the test's name, emptied of an earlier run's
// screenshots so they cannot pass for this one's.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GROVE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	dir, err := filepath.Abs(filepath.Join(dir, t.Name()))
	if err != nil {
		t.Fatalf("artifacts folder: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts folder: %v", err)
	}
	for _, n := range listPNG(dir) {
		os.Remove(filepath.Join(dir, n))
	}
	return dir
}

// built is the grove binary, built once for every test of the package.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// TestMain removes the built binary after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildGrove builds the binary from the repository root once, or returns
// $GROVE_SMOKE_BIN when it names one already built.
func buildGrove(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("GROVE_SMOKE_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatalf("GROVE_SMOKE_BIN: %v", err)
		}
		return abs
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "grove-smoke-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "grove")
		cmd := exec.Command("go", "build", "-o", built.path, ".")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
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
		x := &proc{cmd: exec.Command("Xvfb", d, "-screen", "0", "1280x800x24", "-nolisten", "tcp"), log: &syncBuffer{}, exited: make(chan struct{})}
		x.cmd.Stdout, x.cmd.Stderr = x.log, x.log
		if err := x.cmd.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		go func() { x.err = x.cmd.Wait(); close(x.exited) }()
		t.Cleanup(x.stop)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				return d
			}
			select {
			case <-x.exited:
				t.Fatalf("Xvfb %s ended: %s\n%s", d, x.state(), x.log.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		t.Fatalf("Xvfb %s did not come up", d)
	}
	t.Fatal("no free X display")
	return ""
}

// session is one grove desktop instance under test: its X display, its
// binary, data folder and screenshot folder. name prefixes its failure
// screenshot when a test runs several.
type session struct {
	t       *testing.T
	name    string
	display string
	bin     string
	data    string
	art     string
}

// run runs an X tool with a time limit and returns its output.
func (s *session) run(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+s.display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// x runs an X tool and fails the test when it fails.
func (s *session) x(timeout time.Duration, name string, args ...string) string {
	s.t.Helper()
	out, err := s.run(timeout, name, args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// window waits for a visible window whose name matches and returns its ID.
func (s *session) window(name string) string {
	s.t.Helper()
	ids := strings.Fields(s.x(20*time.Second, "xdotool", "search", "--sync", "--onlyvisible", "--name", name))
	if len(ids) == 0 {
		s.t.Fatalf("no window %q", name)
	}
	return ids[0]
}

// capture takes a screenshot of a window into path.
func (s *session) capture(id, path string) (image.Image, error) {
	if _, err := s.run(20*time.Second, "import", "-window", id, path); err != nil {
		return nil, err
	}
	return readPNG(path)
}

// settled waits until the window is painted (not blank), differs from
// before in region (when before is not nil) and then stays the same for
// two screenshots in a row: the app has reacted and is idle. It saves the
// last screenshot as file in the artifacts and returns it.
func (s *session) settled(id, file string, before image.Image, region image.Rectangle, limit time.Duration) image.Image {
	s.t.Helper()
	path := filepath.Join(s.art, file)
	tmp := filepath.Join(s.t.TempDir(), file)
	deadline := time.Now().Add(limit)
	var prev image.Image
	for {
		img, err := s.capture(id, tmp)
		if err != nil {
			s.t.Fatalf("screenshot %s: %v", file, err)
		}
		painted := colours(img) >= 8
		changed := before == nil || !sameIn(img, before, region)
		if painted && changed && prev != nil && sameIn(img, prev, img.Bounds()) {
			if raw, err := os.ReadFile(tmp); err == nil {
				os.WriteFile(path, raw, 0o644)
			}
			return img
		}
		if time.Now().After(deadline) {
			if raw, err := os.ReadFile(tmp); err == nil {
				os.WriteFile(path, raw, 0o644)
			}
			s.t.Fatalf("window did not settle for %s within %v (painted %v, changed in %v: %v); last screenshot %s",
				file, limit, painted, region, changed, path)
		}
		prev = img
		time.Sleep(150 * time.Millisecond)
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

// blink is the number of pixels that may differ between two screenshots
// of an idle window: a text cursor blinks (a few pixels wide, one line
// high); any real change (a form, a line of text) is far larger.
const blink = 150

// sameIn reports whether two screenshots have the same size and, but for
// a blinking cursor, the same pixels in r.
func sameIn(a, b image.Image, r image.Rectangle) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r = r.Intersect(a.Bounds())
	diff := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				if diff++; diff > blink {
					return false
				}
			}
		}
	}
	return true
}

// syncBuffer is the app's output, written by exec's copier goroutines
// and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a running grove; exited closes when it has ended.
type proc struct {
	cmd    *exec.Cmd
	log    *syncBuffer
	exited chan struct{}
	err    error
}

// stop ends the process by PID: SIGTERM, then SIGKILL after 5 s.
func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// start runs grove on the session's data folder. When the test fails, the
// cleanup takes a screenshot of the whole screen, then prints grove's
// output and where the screenshots are.
func (s *session) start(args ...string) *proc {
	s.t.Helper()
	cmd := exec.Command(s.bin, append([]string{"--data", s.data}, args...)...)
	// The app syncs: keep it on loopback and off the LAN (no multicast on
	// real interfaces in tests).
	cmd.Env = append(os.Environ(), "DISPLAY="+s.display, "LANG=en_US.UTF-8",
		"GROVE_INTERFACES=none", "GROVE_LISTEN=127.0.0.1:0",
		"XDG_CONFIG_HOME="+s.t.TempDir(), "XDG_CACHE_HOME="+s.t.TempDir())
	p := &proc{cmd: cmd, log: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	s.t.Cleanup(func() {
		if s.t.Failed() {
			if _, err := s.run(20*time.Second, "import", "-window", "root", filepath.Join(s.art, s.name+"failure-screen.png")); err != nil {
				s.t.Logf("no failure screenshot: %v", err)
			}
		}
		p.stop()
		if s.t.Failed() {
			s.t.Logf("grove output (%s):\n%s", p.state(), p.log.String())
			s.t.Logf("screenshots in %s: %s", s.art, strings.Join(listPNG(s.art), ", "))
		}
	})
	return p
}

func (p *proc) state() string {
	select {
	case <-p.exited:
		if p.err != nil {
			return "ended: " + p.err.Error()
		}
		return "ended"
	default:
		return "running"
	}
}

func listPNG(dir string) []string {
	names, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// needX skips the test when the X tools are missing or with -short.
func needX(t *testing.T) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("smoke test needs %s (apt-get install xvfb xauth xdotool imagemagick x11-utils): %v", tool, err)
		}
	}
	if testing.Short() {
		t.Skip("smoke test builds the binary and starts X; skipped with -short")
	}
}

func newSession(t *testing.T) *session {
	needX(t)
	return &session{t: t, display: display(t), bin: buildGrove(t), data: t.TempDir(), art: artifacts(t)}
}

// Regions of the workspace window (1200×760 at first start) watched for
// changes: the record panel on the right and the status line.
var (
	recordPanel = image.Rect(870, 120, 1200, 680)
	statusLine  = image.Rect(0, 720, 1200, 760)
)

func TestFirstRunCreateRecordAndQuit(t *testing.T) {
	s := newSession(t)
	app := s.start()
	home := s.window("^Grove$")
	s.settled(home, "01-welcome.png", nil, image.Rectangle{}, 20*time.Second)

	// The welcome asks for the device name; its entry has the focus.
	s.x(5*time.Second, "xdotool", "key", "--window", home, "ctrl+a")
	s.x(10*time.Second, "xdotool", "type", "--delay", "15", "Smoke laptop")
	s.x(5*time.Second, "xdotool", "key", "Return")
	ws := s.window("Sample team")
	shown := s.settled(ws, "02-workspace.png", nil, image.Rectangle{}, 30*time.Second)

	// Point at an empty part of the header (no table row, no button) and
	// click so the window has the pointer and the keyboard; a click on a
	// row would open that record.
	s.x(5*time.Second, "xdotool", "mousemove", "--window", ws, "600", "52", "click", "1")

	// A new contact by keyboard: Ctrl+N, name, Tab, job title (the designed
	// Contact form's first two fields), Ctrl+S.
	s.x(5*time.Second, "xdotool", "key", "ctrl+n")
	blank := s.settled(ws, "03-new-record.png", shown, recordPanel, 15*time.Second)
	s.x(10*time.Second, "xdotool", "type", "--delay", "15", "Xavier Smoke")
	s.x(5*time.Second, "xdotool", "key", "Tab")
	s.x(10*time.Second, "xdotool", "type", "--delay", "15", "Smoke tester")
	typed := s.settled(ws, "04-typed.png", blank, recordPanel, 15*time.Second)
	s.x(5*time.Second, "xdotool", "key", "ctrl+s")
	s.settled(ws, "05-record-saved.png", typed, statusLine, 15*time.Second)

	// Quit with Ctrl+Q and wait for the process to end.
	s.x(5*time.Second, "xdotool", "key", "ctrl+q")
	select {
	case <-app.exited:
		if app.err != nil {
			t.Fatalf("grove ended with %v", app.err)
		}
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
		if r.Fields["Name"] == "Xavier Smoke" && r.Fields["Title"] == "Smoke tester" {
			found = true
		}
	}
	if !found || len(recs) != 26 {
		names := make([]string, 0, len(recs))
		for _, r := range recs {
			names = append(names, fmt.Sprint(r.Fields["Name"]))
		}
		t.Fatalf("record made in the window not found among %d records: %s", len(recs), strings.Join(names, "; "))
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
