package discovery

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grove-team/grove/replica/identity"
)

// TestMultiHost runs three devices in three namespaces joined by a bridge:
// each sees the other two; one killed with SIGKILL and started again is a
// restart; killed again it expires from the others' tables; one stopped
// cleanly leaves them by its goodbye. At the end every device's events
// about every peer must be exactly that story, in that order: a live peer
// that expired and came back would show.
//
// The period is 2 s, so a peer expires only after about 6–8 s of silence:
// the restart (a new process, about 1 s here, more on a loaded machine)
// must come before the old instance expires, or it shows as gone and
// appeared instead of restarted.
func TestMultiHost(t *testing.T) {
	lab := newLab(t)
	const period = 2 * time.Second
	hosts := lab.Bridged(3, "10.77.0")
	names := []string{"Host zero", "Zoë's Mac.mini", "h2 (old) \\ @;"}
	devs := make([]identity.DeviceID, len(hosts))
	children := make([]*child, len(hosts))
	startHost := func(i int) {
		children[i] = startChild(t, fmt.Sprint("host", i), hosts[i].NS, "service",
			"GROVE_T_IFACES=grv0", "GROVE_T_DEVICE="+devs[i].String(), "GROVE_T_NAME="+names[i],
			fmt.Sprint("GROVE_T_PORT=", 7100+i), "GROVE_T_ANNOUNCE="+period.String())
		children[i].expect(t, 10*time.Second, "READY")
	}
	start := time.Now()
	for i := range hosts {
		devs[i] = newDevice(t)
		startHost(i)
	}
	for i, c := range children {
		for j := range hosts {
			if j == i {
				continue
			}
			line := c.expect(t, 20*time.Second, "EVENT appeared - "+devs[j].String())
			want := []string{fmt.Sprintf("10.77.0.%d:%d", j+1, 7100+j), "%grv0]:" + fmt.Sprint(7100+j), fmt.Sprintf("%q", names[j])}
			for _, w := range want {
				if !strings.Contains(line, w) {
					t.Errorf("host%d sees host%d as %q: lacks %s", i, j, line, w)
				}
			}
		}
	}
	t.Logf("all three saw each other after %v", time.Since(start))

	// A crash and restart: no goodbye, so the others' current resolvers
	// still remember the instance name; the next fresh one reports it.
	children[2].signal(t, syscall.SIGKILL)
	<-children[2].exited
	restarted := time.Now()
	startHost(2)
	for _, c := range children[:2] {
		c.expect(t, 20*time.Second, "EVENT restarted - "+devs[2].String())
	}
	t.Logf("restart after SIGKILL seen after %v (period %v)", time.Since(restarted), period)

	killed := time.Now()
	children[2].signal(t, syscall.SIGKILL)
	for _, c := range children[:2] {
		c.expect(t, 20*time.Second, "EVENT gone expired "+devs[2].String())
	}
	t.Logf("SIGKILLed host expired after %v (period %v)", time.Since(killed), period)

	stopped := time.Now()
	children[1].signal(t, syscall.SIGTERM)
	line := children[1].expect(t, 20*time.Second, "STOPPED")
	<-children[1].exited
	if children[1].err != nil {
		t.Errorf("host1 exit: %v", children[1].err)
	}
	checkNoLeak(t, "host1", line)
	children[0].expect(t, 20*time.Second, "EVENT gone goodbye "+devs[1].String())
	t.Logf("cleanly stopped host gone by its goodbye after %v; its Run took the rest of %v to return", time.Since(stopped), probeBound)

	children[0].signal(t, syscall.SIGTERM)
	checkNoLeak(t, "host0", children[0].expect(t, 20*time.Second, "STOPPED"))
	<-children[0].exited
	if children[0].err != nil {
		t.Errorf("host0 exit: %v", children[0].err)
	}

	// The whole story, peer by peer. host1 stopped before host0, so it
	// saw host0 only appear and leave with its own stop.
	story := map[int]map[int][]string{
		0: {1: {"appeared", "gone goodbye"}, 2: {"appeared", "restarted", "gone expired"}},
		1: {0: {"appeared", "gone stopped"}, 2: {"appeared", "restarted", "gone expired"}},
	}
	for i, peers := range story {
		for j, want := range peers {
			if got := peerEvents(children[i], devs[j]); !slices.Equal(got, want) {
				t.Errorf("host%d's events about host%d: %q, want %q", i, j, got, want)
			}
		}
	}
}

// peerEvents returns the events a service child printed about device dev,
// in order, as "kind" or "kind reason" (e.g. "gone expired").
func peerEvents(c *child, dev identity.DeviceID) []string {
	var out []string
	for _, line := range c.seen {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != "EVENT" || f[3] != dev.String() {
			continue
		}
		if f[2] == "-" {
			out = append(out, f[1])
		} else {
			out = append(out, f[1]+" "+f[2])
		}
	}
	return out
}

// checkNoLeak reads "STOPPED <before> <after>" from a child.
func checkNoLeak(t *testing.T, who, line string) {
	t.Helper()
	var before, after int
	if _, err := fmt.Sscanf(line, "STOPPED %d %d", &before, &after); err != nil {
		t.Fatalf("%s: %q: %v", who, line, err)
	}
	if after > before {
		t.Errorf("%s: %d goroutines before Run, %d after", who, before, after)
	}
}

// TestAddressChangeIsUpdate adds an address to a running peer's interface:
// the peer renews its registration at the next period and the other side
// reports PeerUpdated with the new address, not a restart.
func TestAddressChangeIsUpdate(t *testing.T) {
	lab := newLab(t)
	hosts := lab.Bridged(2, "10.77.0")
	devs := []identity.DeviceID{newDevice(t), newDevice(t)}
	var children []*child
	for i, h := range hosts {
		c := startChild(t, fmt.Sprint("host", i), h.NS, "service", "GROVE_T_IFACES=grv0", "GROVE_T_DEVICE="+devs[i].String(),
			fmt.Sprint("GROVE_T_NAME=host", i), fmt.Sprint("GROVE_T_PORT=", 7500+i), "GROVE_T_ANNOUNCE=1s")
		c.expect(t, 10*time.Second, "READY")
		children = append(children, c)
	}
	children[0].expect(t, 20*time.Second, "EVENT appeared - "+devs[1].String())
	changed := time.Now()
	lab.IP("-n", hosts[1].NS, "addr", "add", "10.77.0.99/24", "dev", "grv0")
	line := children[0].expect(t, 20*time.Second, "EVENT updated - "+devs[1].String())
	if !strings.Contains(line, "10.77.0.99:7501") || !strings.Contains(line, "10.77.0.2:7501") {
		t.Errorf("update %q lacks the old or new address", line)
	}
	for _, l := range children[0].seen {
		if strings.HasPrefix(l, "EVENT restarted") || strings.HasPrefix(l, "EVENT gone") {
			t.Errorf("unexpected %q", l)
		}
	}
	t.Logf("new address seen after %v", time.Since(changed))
}
