// Package netlab builds small networks of Linux network namespaces for
// tests: namespaces joined by veth pairs to a bridge, commands run inside
// them, and cleanup that deletes everything again. It is imported only by
// tests (discovery's and sync/e2e's); production code never imports it.
//
// # The network rule
//
// Tests that send mDNS must not reach a real interface (TESTING.md). A test
// process first checks with IsolationProblem that it runs in a private
// network namespace (discovery/testdata/run-in-netns.sh and sync/e2e/run.sh
// start it under `unshare --net`); the namespaces a Lab creates are
// reachable only from there. Creating namespaces needs root and iproute2:
// RequireRoot skips the test otherwise.
//
// # Names
//
// Every namespace of a Lab is named <prefix>-<random>-<suffix>, so tests
// running at once do not collide, and every interface a Lab creates starts
// with IfacePrefix, so an isolation check can tell them from real ones.
package netlab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// IfacePrefix starts the name of every interface a Lab creates.
const IfacePrefix = "grv"

// IsolationProblem returns why the calling process must not send
// multicast, or "" when it runs in a private network namespace (not the
// machine's initial one) whose interfaces are lo and, if allowPrefix is not
// empty, interfaces whose names start with allowPrefix (ones the test
// created).
func IsolationProblem(allowPrefix string) string {
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return fmt.Sprintf("cannot read own network namespace: %v", err)
	}
	if initNS, err := os.Readlink("/proc/1/ns/net"); err == nil && initNS == self {
		return "running in the machine's initial network namespace"
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return fmt.Sprintf("list interfaces: %v", err)
	}
	for _, ifi := range ifs {
		if ifi.Name != "lo" && (allowPrefix == "" || !strings.HasPrefix(ifi.Name, allowPrefix)) {
			return fmt.Sprintf("interface %q is present", ifi.Name)
		}
	}
	return ""
}

// RequireRoot skips the test unless it runs as root and the ip command
// (iproute2) is there.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (iproute2)")
	}
}

// Lab is the namespaces of one test. Create it with New; its methods fail
// the test (t.Fatalf) when a command fails, so call them from the test's
// goroutine. Cleanup deletes the namespaces, and with them their
// interfaces, in reverse order of creation.
type Lab struct {
	t      testing.TB
	prefix string
	mu     sync.Mutex
	nss    []string
}

// New returns an empty Lab whose namespaces are named prefix-<random>-…,
// and registers its cleanup with t. The caller checks isolation and root
// first (IsolationProblem, RequireRoot).
func New(t testing.TB, prefix string) *Lab {
	t.Helper()
	var b [3]byte
	_, _ = rand.Read(b[:])
	l := &Lab{t: t, prefix: prefix + "-" + hex.EncodeToString(b[:])}
	t.Cleanup(l.cleanup)
	return l
}

// Namespace creates a namespace with lo up and IPv6 duplicate-address
// detection off (so link-local addresses work at once), and returns its
// name.
func (l *Lab) Namespace(suffix string) string {
	l.t.Helper()
	name := l.prefix + "-" + suffix
	l.IP("netns", "add", name)
	l.mu.Lock()
	l.nss = append(l.nss, name)
	l.mu.Unlock()
	l.IP("-n", name, "link", "set", "lo", "up")
	l.Run("ip", "netns", "exec", name, "sysctl", "-q", "-w",
		"net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	return name
}

// Host is one namespace of a bridged LAN.
type Host struct {
	// NS is the namespace's name.
	NS string
	// Iface is the host's interface on the LAN (IfacePrefix + "0").
	Iface string
	// IP is the host's IPv4 address on the LAN, without prefix length.
	IP string
	// BridgePort is the peer of Iface, a port of the bridge.
	BridgePort string
}

// bridgeSuffix names the namespace holding the bridge of a LAN.
const bridgeSuffix = "br"

// Bridged builds a LAN of n host namespaces: in each, interface grv0
// holding subnet.<i+1>/24 (subnet is the first three octets, e.g.
// "10.77.0"), joined through a veth pair to a bridge (multicast snooping
// off, so mDNS reaches every port) in a namespace of its own. One Lab holds
// at most one LAN.
func (l *Lab) Bridged(n int, subnet string) []Host {
	l.t.Helper()
	br := l.Namespace(bridgeSuffix)
	l.IP("-n", br, "link", "add", IfacePrefix+"br", "type", "bridge")
	l.IP("-n", br, "link", "set", IfacePrefix+"br", "type", "bridge", "mcast_snooping", "0")
	l.IP("-n", br, "link", "set", IfacePrefix+"br", "up")
	hosts := make([]Host, n)
	for i := range hosts {
		h := Host{
			NS:         l.Namespace(fmt.Sprint("h", i)),
			Iface:      IfacePrefix + "0",
			IP:         fmt.Sprintf("%s.%d", subnet, i+1),
			BridgePort: fmt.Sprint(IfacePrefix, "b", i),
		}
		l.IP("-n", h.NS, "link", "add", h.Iface, "type", "veth", "peer", "name", h.BridgePort, "netns", br)
		l.IP("-n", br, "link", "set", h.BridgePort, "master", IfacePrefix+"br", "up")
		l.IP("-n", h.NS, "addr", "add", h.IP+"/24", "dev", h.Iface)
		l.IP("-n", h.NS, "link", "set", h.Iface, "up")
		hosts[i] = h
	}
	return hosts
}

// Unplug takes host h off the LAN built by Bridged: its bridge port goes
// down, so packets to it are dropped without an answer, like a laptop that
// left the Wi-Fi. Its processes keep running.
func (l *Lab) Unplug(h Host) {
	l.t.Helper()
	l.IP("-n", l.prefix+"-"+bridgeSuffix, "link", "set", h.BridgePort, "down")
}

// Command returns a command that runs name with args in namespace ns
// (`ip netns exec`, which execs it in place: the process's PID is the
// command's own).
func Command(ns, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// CommandContext is Command with a context: the process is killed when
// ctx ends.
func CommandContext(ctx context.Context, ns, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// IP runs the ip command with args and fails the test if it fails.
func (l *Lab) IP(args ...string) {
	l.t.Helper()
	l.Run("ip", args...)
}

// Run runs a command and fails the test, with its output, if it fails.
func (l *Lab) Run(name string, args ...string) {
	l.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// cleanup deletes the namespaces, newest first.
func (l *Lab) cleanup() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.nss) - 1; i >= 0; i-- {
		if out, err := exec.Command("ip", "netns", "del", l.nss[i]).CombinedOutput(); err != nil {
			l.t.Errorf("delete namespace %s: %v %s", l.nss[i], err, out)
		}
	}
	l.nss = nil
}

// Buffer collects a process's output: Write and String are safe to call
// at the same time (exec.Cmd writes from its own goroutine).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
