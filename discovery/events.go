package discovery

import "sync"

// EventKind says what happened to a peer.
type EventKind int

// The kinds of presence events.
const (
	// PeerAppeared: a device not in the peer table announced itself.
	PeerAppeared EventKind = iota + 1
	// PeerUpdated: a known device changed name, addresses, port or version.
	PeerUpdated
	// PeerRestarted: a known device announced a new instance ID, so its
	// process restarted; connections to the old instance are stale.
	PeerRestarted
	// PeerGone: the device left the table; Event.Reason says why.
	PeerGone
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case PeerAppeared:
		return "appeared"
	case PeerUpdated:
		return "updated"
	case PeerRestarted:
		return "restarted"
	case PeerGone:
		return "gone"
	}
	return "unknown"
}

// GoneReason says why a peer left the table.
type GoneReason int

// Reasons for PeerGone.
const (
	// NotGone is the Reason of every event but PeerGone.
	NotGone GoneReason = iota
	// GoneExpired: no announcement for three announce periods, e.g. after
	// the peer crashed or left the network without a goodbye.
	GoneExpired
	// GoneMarked: the application called MarkGone, e.g. after a failed sync
	// connection.
	GoneMarked
	// GoneStopped: our own Run ended, so presence is no longer known.
	GoneStopped
	// GoneGoodbye: the peer stopped cleanly and said so with an mDNS
	// goodbye, and did not announce itself again within GoodbyeGrace.
	GoneGoodbye
)

// String returns the reason's name.
func (r GoneReason) String() string {
	switch r {
	case NotGone:
		return "-"
	case GoneExpired:
		return "expired"
	case GoneMarked:
		return "marked"
	case GoneStopped:
		return "stopped"
	case GoneGoodbye:
		return "goodbye"
	}
	return "unknown"
}

// Event is a change in the peer table. Peer is a copy: the state right after
// the change (for PeerGone, the last state known).
type Event struct {
	Kind   EventKind
	Reason GoneReason
	Peer   Peer
}

// subscription is one bounded event channel. Sends never block: when the
// channel is full the oldest event is dropped to make room.
type subscription struct {
	mu     sync.Mutex
	ch     chan Event
	closed bool
}

// send delivers ev without blocking, dropping the oldest queued event if
// the buffer is full. Only send pushes into ch and it holds mu, so after one
// drop there is room.
func (s *subscription) send(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	for {
		select {
		case s.ch <- ev:
			return
		default:
		}
		select {
		case <-s.ch:
		default:
		}
	}
}

// close closes the channel; later sends are ignored. Safe to call twice.
func (s *subscription) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}
