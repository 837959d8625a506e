package discovery

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/grove-team/grove/replica/identity"
)

// TestStalledHostKeepsPeers stops a device's process (SIGSTOP) for longer
// than the expiry time, as a starved CPU, a debugger or a suspended machine
// would, and lets it go on. Its peer answered every query it sent, so the
// peer must not expire when the device wakes: silence is counted in the
// device's own browse periods, not on the clock. (Counted on the clock,
// the first period after the stall dropped every peer at once.)
func TestStalledHostKeepsPeers(t *testing.T) {
	lab := newLab(t)
	const period = time.Second
	hosts := lab.Bridged(2, "10.77.0")
	devs := []identity.DeviceID{newDevice(t), newDevice(t)}
	var children []*child
	for i, h := range hosts {
		c := startChild(t, fmt.Sprint("host", i), h.NS, "service", "GROVE_T_IFACES=grv0", "GROVE_T_DEVICE="+devs[i].String(),
			fmt.Sprint("GROVE_T_NAME=host", i), fmt.Sprint("GROVE_T_PORT=", 7600+i), "GROVE_T_ANNOUNCE="+period.String())
		c.expect(t, 10*time.Second, "READY")
		children = append(children, c)
	}
	children[0].expect(t, 20*time.Second, "EVENT appeared - "+devs[1].String())
	children[0].signal(t, syscall.SIGSTOP)
	time.Sleep((ExpiryPeriods + 2) * period)
	children[0].signal(t, syscall.SIGCONT)
	// The ticker's pending tick starts a period at once; give it time.
	time.Sleep(2 * period)

	children[0].signal(t, syscall.SIGTERM)
	children[0].expect(t, 20*time.Second, "STOPPED")
	if got, want := peerEvents(children[0], devs[1]), []string{"appeared", "gone stopped"}; !slices.Equal(got, want) {
		t.Errorf("host0's events about host1 around its stall: %q, want %q", got, want)
	}
}
