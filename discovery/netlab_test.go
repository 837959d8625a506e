package discovery

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// netlab creates network namespaces for one test and deletes them in
// cleanup. Every interface it creates is named with testIfPrefix. It runs
// only from a private namespace itself (requireIsolated), so nothing it
// does can reach the machine's interfaces.
type netlab struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	nss    []string
}

func newNetlab(t *testing.T) *netlab {
	t.Helper()
	requireIsolated(t)
	requireRootIP(t)
	var b [3]byte
	_, _ = rand.Read(b[:])
	l := &netlab{t: t, prefix: "grove-t-" + hex.EncodeToString(b[:])}
	t.Cleanup(l.cleanup)
	return l
}

// ns creates a namespace with lo up and IPv6 duplicate-address detection
// off (so link-local addresses work at once), and returns its name.
func (l *netlab) ns(suffix string) string {
	name := l.prefix + "-" + suffix
	l.ip("netns", "add", name)
	l.mu.Lock()
	l.nss = append(l.nss, name)
	l.mu.Unlock()
	l.ip("-n", name, "link", "set", "lo", "up")
	l.run("ip", "netns", "exec", name, "sysctl", "-q", "-w",
		"net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	return name
}

// bridged creates n host namespaces, each with interface grv0 holding
// 10.77.0.<i+1>/24, joined through veth pairs to a bridge (multicast
// snooping off) in a namespace of its own.
func (l *netlab) bridged(n int) []string {
	br := l.ns("br")
	l.ip("-n", br, "link", "add", "grvbr", "type", "bridge")
	l.ip("-n", br, "link", "set", "grvbr", "type", "bridge", "mcast_snooping", "0")
	l.ip("-n", br, "link", "set", "grvbr", "up")
	hosts := make([]string, n)
	for i := range hosts {
		h := l.ns(fmt.Sprint("h", i))
		port := fmt.Sprint("grvb", i)
		l.ip("-n", h, "link", "add", "grv0", "type", "veth", "peer", "name", port, "netns", br)
		l.ip("-n", br, "link", "set", port, "master", "grvbr", "up")
		l.ip("-n", h, "addr", "add", fmt.Sprintf("10.77.0.%d/24", i+1), "dev", "grv0")
		l.ip("-n", h, "link", "set", "grv0", "up")
		hosts[i] = h
	}
	return hosts
}

func (l *netlab) ip(args ...string) { l.run("ip", args...) }

func (l *netlab) run(name string, args ...string) {
	l.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func (l *netlab) cleanup() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.nss) - 1; i >= 0; i-- {
		if out, err := exec.Command("ip", "netns", "del", l.nss[i]).CombinedOutput(); err != nil {
			l.t.Errorf("delete namespace %s: %v %s", l.nss[i], err, out)
		}
	}
	l.nss = nil
}

// child is this test binary re-executed in a namespace in one of the modes
// of runChild. Its stdout lines arrive on lines.
type child struct {
	name   string
	cmd    *exec.Cmd
	lines  chan string
	seen   []string // lines read so far; used by the test goroutine only
	stderr *lockedBuffer
	exited chan struct{}
	err    error // valid after exited is closed
}

// startChild runs mode in namespace ns with the given environment.
func (l *netlab) startChild(name, ns, mode string, env ...string) *child {
	l.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		l.t.Fatal(err)
	}
	// Not /proc/self/exe: ip execs the command, and to ip that is ip itself.
	cmd := exec.Command("ip", "netns", "exec", ns, exe, "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childModeEnv+"="+mode), env...)
	c := &child{name: name, cmd: cmd, lines: make(chan string, 1024), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		l.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		l.t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		c.err = cmd.Wait()
		close(c.lines)
		close(c.exited)
	}()
	l.t.Cleanup(func() { c.finish(l.t) })
	return c
}

// finish kills the child if it still runs and reports its stderr.
func (c *child) finish(t *testing.T) {
	select {
	case <-c.exited:
	default:
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	if s := c.stderr.String(); s != "" {
		t.Logf("%s stderr:\n%s", c.name, s)
		if strings.Contains(s, "DATA RACE") {
			t.Errorf("%s: data race", c.name)
		}
	}
}

// signal sends sig to the child.
func (c *child) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s: %v", c.name, err)
	}
}

// expect returns the first line so far, or to come, that starts with
// prefix, failing after timeout. Lines are kept, so the order in which
// several expected lines arrive does not matter.
func (c *child) expect(t *testing.T, timeout time.Duration, prefix string) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		for _, line := range c.seen {
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("%s exited (%v) before %q; output:\n%s\nstderr:\n%s", c.name, c.err, prefix, strings.Join(c.seen, "\n"), c.stderr.String())
			}
			c.seen = append(c.seen, line)
		case <-deadline:
			t.Fatalf("%s: no %q after %v; output:\n%s", c.name, prefix, timeout, strings.Join(c.seen, "\n"))
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
