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
	self   identity.DeviceID
	expiry time.Duration

	mu    sync.Mutex
	peers map[identity.DeviceID]Peer
	subs  map[*subscription]struct{}
}

func newPeerTable(self identity.DeviceID, expiry time.Duration) *peerTable {
	return &peerTable{
		self:   self,
		expiry: expiry,
		peers:  make(map[identity.DeviceID]Peer),
		subs:   make(map[*subscription]struct{}),
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
		t.publish(Event{Kind: PeerRestarted, Peer: p})
	case !old.sameAnnouncement(p):
		t.publish(Event{Kind: PeerUpdated, Peer: p})
	}
	return nil
}

// expire removes the peers not seen for longer than the expiry period.
func (t *peerTable) expire(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.sortedLocked() {
		if now.Sub(p.LastSeen) > t.expiry {
			t.removeLocked(p.Device, GoneExpired)
		}
	}
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
