package discovery

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/grove-team/grove/replica/identity"
)

// maxPeers bounds the table: announcements are unauthenticated, and anyone
// on the link could otherwise make it grow without limit.
const maxPeers = 1024

// errTableFull is returned by observe for a new device when the table
// already holds maxPeers.
var errTableFull = fmt.Errorf("peer table full (%d devices)", maxPeers)

// peerTable is the set of devices currently seen, keyed by the device ID
// they announce, plus the subscriptions that hear about changes. Events are
// sent while the table lock is held so every subscriber sees them in the
// order the table changed (sends never block, see subscription.send).
type peerTable struct {
	self identity.DeviceID

	mu      sync.Mutex
	peers   map[identity.DeviceID]Peer
	leaving map[identity.DeviceID]time.Time // goodbye heard; removal due then
	subs    map[*subscription]struct{}
}

func newPeerTable(self identity.DeviceID) *peerTable {
	return &peerTable{
		self:    self,
		peers:   make(map[identity.DeviceID]Peer),
		leaving: make(map[identity.DeviceID]time.Time),
		subs:    make(map[*subscription]struct{}),
	}
}

// observe records an announcement. Our own announcements are dropped; a new
// device is refused with errTableFull when the table is full.
func (t *peerTable) observe(p Peer) error {
	if p.Device == t.self {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old, known := t.peers[p.Device]
	if !known && len(t.peers) >= maxPeers {
		return errTableFull
	}
	t.peers[p.Device] = p.clone()
	switch {
	case !known:
		t.publish(Event{Kind: PeerAppeared, Peer: p})
	case old.Instance != p.Instance:
		delete(t.leaving, p.Device) // a new process: not leaving
		t.publish(Event{Kind: PeerRestarted, Peer: p})
	case !old.sameAnnouncement(p):
		delete(t.leaving, p.Device) // renewed its registration: not leaving
		t.publish(Event{Kind: PeerUpdated, Peer: p})
	}
	return nil
}

// expire removes the peers last seen before cutoff.
func (t *peerTable) expire(cutoff time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.sortedLocked() {
		if p.LastSeen.Before(cutoff) {
			t.removeLocked(p.Device, GoneExpired)
		}
	}
}

// goodbye notes that the peers g names are leaving: they are removed with
// GoneGoodbye by depart at due, unless they announce a restart or a change
// before (a responder renewing its registration for new addresses says
// goodbye and at once announces again). The same announcement again does
// not cancel the departure: it is an answer sent before the goodbye and
// reported after it. A goodbye naming only an instance label is applied
// only when one peer has that label. It returns how many peers g marked as
// leaving, not counting those already leaving.
func (t *peerTable) goodbye(g goodbye, due time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ids []identity.DeviceID
	for id, p := range t.peers {
		if g.matches(p) {
			ids = append(ids, id)
		}
	}
	if len(ids) > 1 && !g.specific() {
		return 0
	}
	marked := 0
	for _, id := range ids {
		if _, already := t.leaving[id]; !already {
			t.leaving[id] = due
			marked++
		}
	}
	return marked
}

// depart removes the leaving peers whose removal is due at now, and
// returns when the next one is due (zero when none is left).
func (t *peerTable) depart(now time.Time) (next time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.leaving) == 0 {
		return time.Time{}
	}
	for _, p := range t.sortedLocked() {
		due, ok := t.leaving[p.Device]
		switch {
		case !ok:
		case !due.After(now):
			t.removeLocked(p.Device, GoneGoodbye)
		case next.IsZero() || due.Before(next):
			next = due
		}
	}
	return next
}

// remove takes one peer out of the table, if present.
func (t *peerTable) remove(id identity.DeviceID, why GoneReason) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removeLocked(id, why)
}

// clear empties the table.
func (t *peerTable) clear(why GoneReason) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.sortedLocked() {
		t.removeLocked(p.Device, why)
	}
}

// removeLocked deletes id and publishes PeerGone. The caller holds t.mu.
func (t *peerTable) removeLocked(id identity.DeviceID, why GoneReason) {
	p, ok := t.peers[id]
	if !ok {
		return
	}
	delete(t.peers, id)
	delete(t.leaving, id)
	t.publish(Event{Kind: PeerGone, Reason: why, Peer: p})
}

// lookup returns a copy of the entry for id.
func (t *peerTable) lookup(id identity.DeviceID) (Peer, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.peers[id]
	return p.clone(), ok
}

// list returns copies of all entries, sorted by name then device ID.
func (t *peerTable) list() []Peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sortedLocked()
}

// sortedLocked returns copies of the entries in Peers order. The caller
// holds t.mu.
func (t *peerTable) sortedLocked() []Peer {
	out := make([]Peer, 0, len(t.peers))
	for _, p := range t.peers {
		out = append(out, p.clone())
	}
	slices.SortFunc(out, func(a, b Peer) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), slices.Compare(a.Device[:], b.Device[:]))
	})
	return out
}

// subscribe adds a subscription with the given buffer (at least 1) and
// returns its channel and the function that ends it.
func (t *peerTable) subscribe(buffer int) (<-chan Event, func()) {
	s := &subscription{ch: make(chan Event, max(buffer, 1))}
	t.mu.Lock()
	t.subs[s] = struct{}{}
	t.mu.Unlock()
	return s.ch, func() {
		t.mu.Lock()
		delete(t.subs, s)
		t.mu.Unlock()
		s.close()
	}
}

// publish sends ev to every subscriber. The caller holds t.mu.
func (t *peerTable) publish(ev Event) {
	for s := range t.subs {
		e := ev
		e.Peer = ev.Peer.clone()
		s.send(e)
	}
}
