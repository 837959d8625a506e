package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grove-team/grove/discovery/netlab"
)

// The network rule (TESTING.md): every grove process of these tests runs
// with `ip netns exec` in a namespace the test created, with --interfaces
// naming that namespace's veth. The test process itself must run in a
// private network namespace holding only lo (run.sh uses `unshare --net`),
// so that even a mistake in the test cannot reach a real interface.

const (
	// subnet is the /24 of the bridged hosts: host i is subnet.(i+1).
	subnet = "10.78.0"
	// cmdTimeout bounds every one-shot grove command.
	cmdTimeout = 60 * time.Second
)

// binEnv names a prebuilt grove binary (run.sh sets it); without it the
// test builds one from the repository root.
const binEnv = "GROVE_E2E_BIN"

// requireLab skips the test unless it can create namespaces safely.
func requireLab(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP: needs root to create network namespaces (run sync/e2e/run.sh as root)")
	}
	for _, tool := range []string{"ip", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP: needs the %s command (iproute2 / util-linux)", tool)
		}
	}
	if p := netlab.IsolationProblem(""); p != "" {
		t.Skipf("SKIP: needs a private network namespace (%s); run sync/e2e/run.sh", p)
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// groveBinary returns the grove binary: $GROVE_E2E_BIN, or one built once
// from the repository root (the module cache must already hold every
// module: there is no network in the private namespace).
func groveBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(binEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v", binEnv, err)
		}
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "grove-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "grove")
		cmd := exec.Command("go", "build", "-o", builtBin, ".")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// lab is the namespaces of one test: hosts joined through veth pairs to a
// bridge (multicast snooping off) in a namespace of its own (netlab).
// Cleanup deletes them.
type lab struct {
	*netlab.Lab
	t     *testing.T
	bin   string
	env   []string // environment of every grove process
	hosts []netlab.Host
}

func newLab(t *testing.T, n int) *lab {
	t.Helper()
	requireLab(t)
	bin := groveBinary(t)
	l := &lab{Lab: netlab.New(t, "grove-e2e"), t: t, bin: bin}
	xdg := t.TempDir()
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GROVE_") || strings.HasPrefix(kv, "XDG_") || strings.HasPrefix(kv, "LANG=") || strings.HasPrefix(kv, "LC_ALL=") {
			continue
		}
		l.env = append(l.env, kv)
	}
	if os.Getenv("GORACE") == "" {
		// A -race binary otherwise sleeps 1 s at every exit.
		l.env = append(l.env, "GORACE=atexit_sleep_ms=0")
	}
	l.env = append(l.env, "LANG=en_US.UTF-8",
		"XDG_CONFIG_HOME="+filepath.Join(xdg, "config"), "XDG_CACHE_HOME="+filepath.Join(xdg, "cache"),
		"XDG_DATA_HOME="+filepath.Join(xdg, "data"))

	l.hosts = l.Bridged(n, subnet)
	return l
}

// device is one Grove device: a data folder on a host, and the `grove run`
// process serving it while it runs.
type device struct {
	l    *lab
	name string
	host netlab.Host
	data string
	id   string // device ID, from `grove init --json`

	proc *instance // the running `grove run`, or nil
}

// newDevice creates a data folder on host h and the device's identity
// (`grove init`, which uses no network).
func (l *lab) newDevice(name string, h netlab.Host) *device {
	l.t.Helper()
	d := &device{l: l, name: name, host: h, data: filepath.Join(l.t.TempDir(), name)}
	var out struct {
		DeviceID string `json:"device_id"`
		Name     string `json:"name"`
	}
	d.mustJSON(&out, "init", "--name", name)
	if out.DeviceID == "" || out.Name != name {
		l.t.Fatalf("grove init for %s: got %+v", name, out)
	}
	d.id = out.DeviceID
	return d
}

// grove runs one grove command in the device's namespace on its data
// folder and returns stdout; err includes stderr.
func (d *device) grove(args ...string) (string, error) {
	return d.groveWithin(cmdTimeout, args...)
}

// groveWithin is grove with a time limit: the command is killed after
// timeout.
func (d *device) groveWithin(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := netlab.CommandContext(ctx, d.host.NS, d.l.bin, append(args, "--data", d.data)...)
	cmd.Env = d.l.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("%s: grove %s: %v\nstdout: %s\nstderr: %s", d.name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// groveJSON runs a command with --json and decodes its output into v.
func (d *device) groveJSON(v any, args ...string) error {
	out, err := d.grove(append(args, "--json")...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		return fmt.Errorf("%s: grove %s: output is not JSON: %v\n%s", d.name, strings.Join(args, " "), err, out)
	}
	return nil
}

func (d *device) mustJSON(v any, args ...string) {
	d.l.t.Helper()
	if err := d.groveJSON(v, args...); err != nil {
		d.l.t.Fatal(err)
	}
}

// peerJSON is one entry of `grove peers --json`.
type peerJSON struct {
	Device     string    `json:"device_id"`
	Name       string    `json:"name"`
	Addresses  []string  `json:"addresses"`
	LastSeen   time.Time `json:"last_seen"`
	Workspaces []string  `json:"workspaces"`
}

// peers returns the running instance's LAN peers.
func (d *device) peers() ([]peerJSON, error) {
	var ps []peerJSON
	err := d.groveJSON(&ps, "peers")
	return ps, err
}

func findPeer(ps []peerJSON, id string) (peerJSON, bool) {
	i := slices.IndexFunc(ps, func(p peerJSON) bool { return p.Device == id })
	if i < 0 {
		return peerJSON{}, false
	}
	return ps[i], true
}

func peerIDs(ps []peerJSON) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s %q %v", p.Device, p.Name, p.Addresses))
	}
	return out
}

// recordJSON is one entry of `grove record list --json`.
type recordJSON struct {
	ID     string         `json:"id"`
	Tool   string         `json:"tool"`
	Fields map[string]any `json:"fields"`
}

func (d *device) records(ws string) ([]recordJSON, error) {
	var rs []recordJSON
	err := d.groveJSON(&rs, "record", "list", "--ws", ws)
	return rs, err
}

// put creates a contact and returns its record ID.
func (d *device) put(ws, name string) string {
	d.l.t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	d.mustJSON(&out, "record", "put", "--ws", ws, "--tool", "Contacts", "Name="+name)
	if out.ID == "" {
		d.l.t.Fatalf("%s: record put printed no id", d.name)
	}
	return out.ID
}

// instance is a running `grove run` process.
type instance struct {
	d      *device
	args   []string
	cmd    *exec.Cmd
	start  time.Time
	mu     sync.Mutex
	lines  []string      // stdout so far
	ready  chan struct{} // closed on the "LAN" line of the banner
	stderr *netlab.Buffer
	exited chan struct{}
	err    error // valid after exited is closed
}

// start runs `grove run` for the device, listening on port of its host's
// address with discovery on the host's veth only, plus extra flags. It
// returns at once; see waitReady.
func (d *device) start(port int, extra ...string) *instance {
	t := d.l.t
	t.Helper()
	if d.proc != nil {
		select {
		case <-d.proc.exited:
		default:
			t.Fatalf("%s: already running", d.name)
		}
	}
	args := []string{"run", "--data", d.data,
		"--listen", fmt.Sprintf("%s:%d", d.host.IP, port), "--interfaces", d.host.Iface}
	args = append(args, extra...)
	// Not a context: the process is ended by PID, by the test.
	cmd := netlab.Command(d.host.NS, d.l.bin, args...)
	cmd.Env = d.l.env
	p := &instance{d: d, args: args, cmd: cmd, ready: make(chan struct{}), stderr: &netlab.Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", d.name, err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		readyClosed := false
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			if !readyClosed && strings.HasPrefix(sc.Text(), "LAN ") {
				close(p.ready)
				readyClosed = true
			}
		}
		p.err = cmd.Wait()
		close(p.exited)
	}()
	d.proc = p
	t.Cleanup(func() { p.finish(t) })
	return p
}

// pid is the grove process: `ip netns exec` execs the command in place.
func (p *instance) pid() int { return p.cmd.Process.Pid }

// waitBanner waits for the banner's "LAN" line and checks that the PID we
// hold is grove's own (so signals reach it, not a wrapper).
func (p *instance) waitBanner(timeout time.Duration) (time.Duration, error) {
	select {
	case <-p.ready:
	case <-p.exited:
		return 0, fmt.Errorf("%s: grove run exited (%v) before its banner\nstdout:\n%s\nstderr:\n%s", p.d.name, p.err, p.stdout(), p.stderr.String())
	case <-time.After(timeout):
		return 0, fmt.Errorf("%s: no banner with a LAN line after %v\nstdout:\n%s\nstderr:\n%s", p.d.name, timeout, p.stdout(), p.stderr.String())
	}
	took := time.Since(p.start)
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", p.pid()))
	if err != nil || filepath.Base(exe) != filepath.Base(p.d.l.bin) {
		return took, fmt.Errorf("%s: PID %d is %q (%v), not grove: cannot signal it", p.d.name, p.pid(), exe, err)
	}
	return took, nil
}

// waitReady waits for the banner and then until the control socket serves
// commands (`grove peers` answers only from a running instance).
func (p *instance) waitReady(timeout time.Duration) {
	t := p.d.l.t
	t.Helper()
	deadline := time.Now().Add(timeout)
	if _, err := p.waitBanner(timeout); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := p.d.peers()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: control socket not serving after %v: %v", p.d.name, timeout, err)
		}
		select {
		case <-p.exited:
			t.Fatalf("%s: grove run exited (%v)\nstderr:\n%s", p.d.name, p.err, p.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *instance) stdout() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// signal sends sig to the grove process by PID.
func (p *instance) signal(sig syscall.Signal) {
	p.d.l.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.d.l.t.Fatalf("signal %v to %s (PID %d): %v", sig, p.d.name, p.pid(), err)
	}
}

// wait waits for the process to exit and returns its exit error.
func (p *instance) wait(timeout time.Duration) (error, bool) {
	select {
	case <-p.exited:
		return p.err, true
	case <-time.After(timeout):
		return nil, false
	}
}

// finish kills the process if it still runs (by PID) and logs its stderr.
func (p *instance) finish(t *testing.T) {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			t.Errorf("%s (PID %d) did not exit after SIGKILL", p.d.name, p.pid())
		}
	}
	if s := p.stderr.String(); s != "" {
		if i := strings.Index(s, "SIGQUIT: quit"); i >= 0 {
			s = s[:i] + "SIGQUIT: quit (stacks cut)\n"
		}
		t.Logf("%s `grove run` (started %s) stderr:\n%s", p.d.name, p.start.Format("15:04:05.000"), s)
		if strings.Contains(s, "DATA RACE") {
			t.Errorf("%s: data race in grove (binary built with -race)", p.d.name)
		}
	}
}

// quitAndDump ends the process with SIGQUIT, so the Go runtime prints
// every goroutine's stack, and returns the goroutines that run Grove's
// sync or control code (for diagnosing a hang). The process is gone after.
func (p *instance) quitAndDump() string {
	select {
	case <-p.exited:
		return "(process already exited)"
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		return fmt.Sprintf("SIGQUIT: %v", err)
	}
	if _, ok := p.wait(10 * time.Second); !ok {
		return "(no exit after SIGQUIT)"
	}
	var keep []string
	for _, g := range strings.Split(p.stderr.String(), "\n\n") {
		if !strings.HasPrefix(g, "goroutine ") ||
			!(strings.Contains(g, "sync.(*Node).session(") || strings.Contains(g, "sync.(*Node).Status(") || strings.Contains(g, "sync.(*Node).dial(")) {
			continue
		}
		// The header, then Grove's frames as "function  file:line".
		lines := strings.Split(g, "\n")
		out := []string{lines[0]}
		for i := 1; i+1 < len(lines); i++ {
			if strings.HasPrefix(lines[i], "github.com/grove-team/") {
				fn := lines[i]
				if m := argsRE.FindStringIndex(fn); m != nil {
					fn = fn[:m[0]]
				}
				loc, _, _ := strings.Cut(strings.TrimSpace(lines[i+1]), " ")
				out = append(out, "  "+fn+"  "+loc)
			}
		}
		keep = append(keep, strings.Join(out, "\n"))
	}
	return strings.Join(keep, "\n")
}

// argsRE finds the argument list of a frame in a goroutine dump.
var argsRE = regexp.MustCompile(`\((0x|\{|_|\.\.\.|\))`)

// eventually calls check until it returns ok or timeout passes, and
// returns how long that took. On timeout it returns the last state check
// described.
func eventually(timeout, every time.Duration, check func() (ok bool, state string)) (time.Duration, bool, string) {
	start := time.Now()
	for {
		ok, state := check()
		if ok {
			return time.Since(start), true, state
		}
		if time.Since(start) > timeout {
			return time.Since(start), false, state
		}
		time.Sleep(every)
	}
}

// summary formats the median, minimum and maximum of ds.
func summary(ds []time.Duration) string {
	if len(ds) == 0 {
		return "no samples"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return fmt.Sprintf("median %v, min %v, max %v (n=%d)", r(med), r(s[0]), r(s[len(s)-1]), len(s))
}
