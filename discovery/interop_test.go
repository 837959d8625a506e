package discovery

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/grove-team/grove/discovery/netlab"
)

// The interop tests check Grove against an independent mDNS implementation,
// Debian's python3-zeroconf, on lo in the private namespace. The package
// must be installed beforehand (testdata/run-in-netns.sh does it; inside the
// namespace there is no network to install from).

// pythonZeroconf returns a Python interpreter that can import zeroconf.
func pythonZeroconf(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import zeroconf").Run() == nil {
			return py
		}
	}
	t.Skip("needs python3-zeroconf (apt-get install python3-zeroconf)")
	return ""
}

// pyService is one line of zc_browse.py output.
type pyService struct {
	Name      string            `json:"name"`
	Port      int               `json:"port"`
	Addresses []string          `json:"addresses"`
	TXT       map[string]string `json:"txt"`
}

// TestPythonSeesGrove: python-zeroconf browses _grove._tcp and resolves our
// device ID, port and address.
func TestPythonSeesGrove(t *testing.T) {
	requireIsolated(t)
	py := pythonZeroconf(t)
	dev := newDevice(t)
	g := startService(t, Config{Interfaces: []string{"lo"}, Device: dev, Name: "Grove on lo", Port: 7300, Announce: time.Second})

	cmd := exec.Command(py, filepath.Join("testdata", "zc_browse.py"), "127.0.0.1", "20")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &netlab.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan pyService, 1)
	go scanPython(out, func(s pyService) {
		if s.TXT["id"] == dev.String() {
			select {
			case found <- s:
			default:
			}
		}
	}, t.Logf)
	select {
	case s := <-found:
		if s.Port != 7300 || !slices.Contains(s.Addresses, "127.0.0.1") || s.TXT["inst"] != g.Instance() || s.TXT["v"] != "1" {
			t.Errorf("python resolved %+v", s)
		}
		t.Logf("python-zeroconf resolved %q: port %d, addresses %v, TXT %v", s.Name, s.Port, s.Addresses, s.TXT)
	case <-time.After(20 * time.Second):
		t.Fatalf("python-zeroconf did not resolve our service; stderr:\n%s", stderr.String())
	}
}

func scanPython(r io.Reader, each func(pyService), logf func(string, ...any)) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var s pyService
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil || s.Name == "" {
			logf("python: %s", sc.Text())
			continue
		}
		each(s)
	}
}

// TestGroveSeesPython: a service published by python-zeroconf with Grove's
// TXT keys appears in our table and stays there across browse periods.
//
// python-zeroconf 0.47 answers queries for a host without an IPv6 address
// with an NSEC record holding an empty type block, and miekg/dns v1.1.41
// rejects the whole packet ("dns: empty NSEC block"). Its unsolicited
// announcements have no NSEC, so without a workaround the peer appears and
// then expires, because the answers to our periodic browse never parse.
// The service therefore also gets ::1 (which our address filter drops: lo
// carries no IPv6 multicast).
func TestGroveSeesPython(t *testing.T) {
	requireIsolated(t)
	py := pythonZeroconf(t)
	dev := newDevice(t)
	const inst = "00112233445566ff"
	g := startService(t, Config{Interfaces: []string{"lo"}, Device: newDevice(t), Name: "Grove", Port: 7301, Announce: time.Second})

	cmd := exec.Command(py, filepath.Join("testdata", "zc_publish.py"), "127.0.0.1", "Python peer", dev.String(), inst, "7302", "::1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &netlab.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })

	ev := waitFor(t, g.events, 20*time.Second, "python peer", is(PeerAppeared, dev))
	p := ev.Peer
	if p.Name != "Python peer" || p.Port != 7302 || p.Instance != inst || p.Version != 1 || !slices.Equal(p.Addresses(), []string{"127.0.0.1:7302"}) {
		t.Errorf("python peer seen as %+v (addresses %v)", p, p.Addresses())
	}
	t.Logf("Grove saw the python service: %+v", p)

	// Answers to our browse queries must keep it: wait past the expiry.
	// Its own announcements (three, 225 ms apart) are over well before 2 s
	// from now, so a later LastSeen comes from an answer to our queries.
	waited := time.Now()
	if ev, ok := within(g.events, ExpiryPeriods*time.Second+2*time.Second, is(PeerGone, dev)); ok {
		t.Fatalf("python peer %v: answers to browse queries are not understood", ev.Reason)
	}
	if p, ok := g.Lookup(dev); !ok || !p.LastSeen.After(waited.Add(2*time.Second)) {
		t.Errorf("python peer not refreshed by answers to our queries: %+v, %v", p, ok)
	}

	// Unregistering sends python-zeroconf's goodbye: Grove drops the peer
	// for it, not by expiry.
	stopped := time.Now()
	_ = stdin.Close()
	ev = waitFor(t, g.events, 10*time.Second, "python peer gone", is(PeerGone, dev))
	if ev.Reason != GoneGoodbye {
		t.Errorf("python peer left with reason %v, want %v", ev.Reason, GoneGoodbye)
	}
	t.Logf("python peer gone (%v) %v after it unregistered", ev.Reason, time.Since(stopped).Round(time.Millisecond))
}
