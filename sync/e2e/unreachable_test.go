package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestUnreachablePartner takes one partner off the LAN without a word (its
// bridge port goes down: no RST, no FIN, as when a laptop leaves the Wi-Fi
// or sleeps) and checks that the others carry on: a record put at alpha
// still reaches bravo by itself, `grove status` at alpha ends within its
// own 30 s budget and reports charlie offline, and alpha's control socket
// keeps serving commands.
func TestUnreachablePartner(t *testing.T) {
	l := newLab(t, 3)
	a := l.newDevice("alpha", l.hosts[0])
	b := l.newDevice("bravo", l.hosts[1])
	c := l.newDevice("charlie", l.hosts[2])
	for _, d := range []*device{a, b, c} {
		d.start(basePort).waitReady(readyDeadline)
	}
	var ws struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	a.mustJSON(&ws, "workspace", "create", "Team", "--template", "contacts")
	invite(t, a, ws.ID, b, "")
	invite(t, a, ws.ID, c, "")
	// alpha now holds a pooled connection to each partner.
	propagate(t, ws.ID, a, b, c)
	if t.Failed() {
		t.FailNow()
	}
	var order []struct {
		Partner string `json:"partner"`
	}
	a.mustJSON(&order, "mappings", "list", "--ws", ws.ID)
	t.Logf("alpha syncs its partners in this order: %v (bravo %s, charlie %s)", order, b.id[:13], c.id[:13])

	l.Unplug(l.hosts[2])
	t.Log("charlie unplugged")
	defer func() {
		if t.Failed() {
			t.Logf("alpha's goroutines in sync and control code (SIGQUIT):\n%s", a.proc.quitAndDump())
		}
	}()

	t.Run("sync-to-others", func(t *testing.T) {
		// Two records: when bravo comes before charlie in alpha's order the
		// first may still get through before alpha's round reaches charlie.
		for i := 0; i < 2; i++ {
			propagate(t, ws.ID, a, b)
			if t.Failed() {
				return
			}
			// Let bravo's own follow-up sync (300 ms after it received
			// something) pass, so the next record is not carried by it.
			time.Sleep(1500 * time.Millisecond)
		}
	})
	t.Run("status", func(t *testing.T) {
		type partner struct {
			Partner string `json:"partner"`
			Online  bool   `json:"online"`
			Error   string `json:"error"`
		}
		start := time.Now()
		out, err := a.groveWithin(45*time.Second, "status", "--ws", ws.ID, "--json")
		if err != nil {
			t.Fatalf("grove status at alpha, charlie unplugged (the command allows itself 30 s), after %v: %v",
				time.Since(start).Round(time.Millisecond), err)
		}
		var st []partner
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("status output: %v\n%s", err, out)
		}
		for _, p := range st {
			if p.Partner == c.id && p.Online {
				t.Errorf("status says unplugged charlie is online")
			}
			if p.Partner == b.id && !p.Online {
				t.Errorf("status says bravo is offline: %s", p.Error)
			}
		}
		t.Logf("grove status took %v: %s", time.Since(start).Round(time.Millisecond), strings.Join(strings.Fields(out), " "))
	})
	t.Run("control-socket", func(t *testing.T) {
		start := time.Now()
		if _, err := a.groveWithin(10*time.Second, "peers", "--json"); err != nil {
			t.Errorf("alpha's control socket does not answer `grove peers` within 10 s (after %v): %v", time.Since(start).Round(time.Millisecond), err)
		}
	})
}
