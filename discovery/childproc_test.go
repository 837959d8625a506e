package discovery

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grove-team/grove/discovery/netlab"
)

// child is this test binary re-executed in a namespace in one of the modes
// of runChild. Its stdout lines arrive on lines.
type child struct {
	name   string
	cmd    *exec.Cmd
	lines  chan string
	seen   []string // lines read so far; used by the test goroutine only
	stderr *netlab.Buffer
	exited chan struct{}
	err    error // valid after exited is closed
}

// startChild runs mode in namespace ns with the given environment; it is
// killed in cleanup if it still runs.
func startChild(t *testing.T, name, ns, mode string, env ...string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Not /proc/self/exe: ip execs the command, and to ip that is ip itself.
	cmd := netlab.Command(ns, exe, "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childModeEnv+"="+mode), env...)
	c := &child{name: name, cmd: cmd, lines: make(chan string, 1024), stderr: &netlab.Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
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
	t.Cleanup(func() { c.finish(t) })
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
