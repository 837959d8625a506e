// Package sync runs a device's side of Grove's peer sync: it accepts sync
// connections, keeps connections to partners open for reuse, syncs each
// workspace's mappings a moment after a local change, when a partner
// appears and on a schedule, and answers on-demand syncs, status queries,
// invitations and joins. The protocol itself lives in sync/session, the
// bytes in sync/wire, TLS in sync/transport.
package sync

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	gosync "sync"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/sync/session"
	"github.com/grove-team/grove/sync/transport"
)

// AddressBook tells where a device can be reached now (discovery). A book
// that also has MarkGone(identity.DeviceID) is told when a device it
// listed could not be reached.
type AddressBook interface {
	// Addresses returns host:port candidates for a device, best first.
	Addresses(dev identity.DeviceID) []string
}

// Config configures a Node.
type Config struct {
	// Store is the device's replica store; the node does not close it.
	Store *replica.Store
	// Listen is the address to accept sync connections on ("" accepts none).
	Listen string
	// Book is consulted for partner addresses before the last address that
	// worked; may be nil.
	Book AddressBook
	// Debounce is how long after a local change the mappings sync (default
	// 300 ms); Interval the schedule (default 5 min; negative: never).
	Debounce, Interval time.Duration
	// IdleTimeout closes a partner connection unused this long (default 2 min).
	IdleTimeout time.Duration
	// Manual turns off syncing after changes and when partners appear;
	// syncs then happen on demand and on the schedule only (benchmarks).
	Manual bool
	// Logf logs what the node does; may be nil.
	Logf func(format string, args ...any)
}

// Node is a running sync participant.
type Node struct {
	cfg    Config
	store  *replica.Store
	device replica.Device
	cert   tls.Certificate
	ln     *transport.Listener

	mu    gosync.Mutex
	conns map[identity.DeviceID]*peerConn // client connections, one per partner
	dirty map[uuid.UUID]bool              // workspaces changed since the last push
	nudge chan struct{}
	subs  map[chan Event]struct{}
	noted map[noteKey]noted // last bookkeeping write per partner

	inflight, again map[uuid.UUID]bool // mappings syncing now; to sync once more

	wg gosync.WaitGroup
}

// Event reports a finished sync to subscribers.
type Event struct {
	Workspace uuid.UUID
	Peer      identity.DeviceID
	Result    Result
	Err       error
}

// Result is what one sync did, with the bytes it put on the wire.
type Result struct {
	session.Report
	Peer          identity.DeviceID
	Addr          string
	Mapping       uuid.UUID
	BytesSent     int64
	BytesReceived int64
}

// peerConn is an open client connection to a partner.
type peerConn struct {
	turn chan struct{} // holds a token while a session runs: one at a time
	tc   *transport.Conn
	sess *session.Conn
	addr string
	used time.Time
}

// lock waits for the connection's turn, or for ctx to end.
func (pc *peerConn) lock(ctx context.Context) error {
	select {
	case pc.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("partner connection busy: %w", ctx.Err())
	}
}

func (pc *peerConn) tryLock() bool {
	select {
	case pc.turn <- struct{}{}:
		return true
	default:
		return false
	}
}

func (pc *peerConn) unlock() { <-pc.turn }

// SessionTimeout bounds how long a session may go without any byte moving
// either way; a partner that vanished without closing the connection is
// given up after it rather than after TCP's own minutes.
const SessionTimeout = 30 * time.Second

// progress is a stream whose every read and write must complete within
// SessionTimeout.
type progress struct{ c net.Conn }

func (p progress) Read(b []byte) (int, error) {
	p.c.SetReadDeadline(time.Now().Add(SessionTimeout))
	return p.c.Read(b)
}

func (p progress) Write(b []byte) (int, error) {
	p.c.SetWriteDeadline(time.Now().Add(SessionTimeout))
	return p.c.Write(b)
}

// SetWriteDeadline lets a refusal be written before the connection closes.
func (p progress) SetWriteDeadline(t time.Time) error { return p.c.SetWriteDeadline(t) }

// New prepares a node; Run starts it.
func New(cfg Config) (*Node, error) {
	if cfg.Debounce <= 0 {
		cfg.Debounce = 300 * time.Millisecond
	}
	if cfg.Interval == 0 {
		cfg.Interval = 5 * time.Minute
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 2 * time.Minute
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	dev, err := cfg.Store.Device()
	if err != nil {
		return nil, fmt.Errorf("sync node: %w", err)
	}
	cert, err := transport.Certificate(dev.Key)
	if err != nil {
		return nil, fmt.Errorf("sync node: %w", err)
	}
	n := &Node{cfg: cfg, store: cfg.Store, device: dev, cert: cert,
		conns: map[identity.DeviceID]*peerConn{}, dirty: map[uuid.UUID]bool{},
		nudge: make(chan struct{}, 1), subs: map[chan Event]struct{}{}, noted: map[noteKey]noted{},
		inflight: map[uuid.UUID]bool{}, again: map[uuid.UUID]bool{}}
	if cfg.Listen != "" {
		if n.ln, err = transport.Listen(cfg.Listen, cert); err != nil {
			return nil, fmt.Errorf("sync node: %w", err)
		}
	}
	return n, nil
}

// Device returns this node's device.
func (n *Node) Device() identity.DeviceID { return n.device.ID }

// Addr returns the address the node accepts connections on, or "".
func (n *Node) Addr() string {
	if n.ln == nil {
		return ""
	}
	return n.ln.Addr().String()
}

// Port returns the listening port, or 0.
func (n *Node) Port() int {
	if n.ln == nil {
		return 0
	}
	return n.ln.Addr().(*net.TCPAddr).Port
}

// Run accepts connections and runs the automatic syncs until ctx ends, then
// closes the listener and every connection and waits for its goroutines.
func (n *Node) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if n.ln != nil {
		n.wg.Add(1)
		go func() { defer n.wg.Done(); n.accept(ctx) }()
		go func() { <-ctx.Done(); n.ln.Close() }()
	}
	n.wg.Add(1)
	go func() { defer n.wg.Done(); n.schedule(ctx) }()
	<-ctx.Done()
	n.closeConns()
	n.wg.Wait()
	return nil
}

// Close releases the listener and connections of a node that was never
// Run (one-shot use from the command line).
func (n *Node) Close() {
	if n.ln != nil {
		n.ln.Close()
	}
	n.closeConns()
}

func (n *Node) closeConns() {
	n.mu.Lock()
	conns := n.conns
	n.conns = map[identity.DeviceID]*peerConn{}
	n.mu.Unlock()
	for _, pc := range conns {
		pc.tc.Close()
	}
}

// Subscribe returns a channel of sync events and a cancel function. Slow
// subscribers miss events rather than slowing sync.
func (n *Node) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 32)
	n.mu.Lock()
	n.subs[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.subs, ch)
		n.mu.Unlock()
	}
}

func (n *Node) publish(ev Event) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

// Changed tells the node a workspace changed locally: its mappings sync a
// moment later. It never blocks.
func (n *Node) Changed(ws uuid.UUID) {
	if n.cfg.Manual {
		return
	}
	n.mu.Lock()
	n.dirty[ws] = true
	n.mu.Unlock()
	select {
	case n.nudge <- struct{}{}:
	default:
	}
}

// PeerAppeared tells the node a device was seen on the network: every
// mapping with it syncs now. It never blocks.
func (n *Node) PeerAppeared(dev identity.DeviceID) {
	ms, err := n.store.Mappings(uuid.Nil)
	if err != nil {
		return
	}
	for _, m := range ms {
		if m.Partner == dev {
			n.Changed(m.Workspace)
		}
	}
}

// schedule runs debounced syncs after changes, and periodic syncs.
func (n *Node) schedule(ctx context.Context) {
	var tick <-chan time.Time
	if n.cfg.Interval > 0 {
		t := time.NewTicker(n.cfg.Interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.nudge:
			select {
			case <-ctx.Done():
				return
			case <-time.After(n.cfg.Debounce):
			}
			n.mu.Lock()
			dirty := n.dirty
			n.dirty = map[uuid.UUID]bool{}
			n.mu.Unlock()
			for ws := range dirty {
				n.syncWorkspace(ctx, ws)
			}
		case <-tick:
			n.syncWorkspace(ctx, uuid.Nil)
			n.closeIdle()
		}
	}
}

// syncWorkspace syncs every mapping of ws (of every workspace for Nil).
func (n *Node) syncWorkspace(ctx context.Context, ws uuid.UUID) {
	ms, err := n.store.Mappings(ws)
	if err != nil {
		n.cfg.Logf("sync: list mappings: %v", err)
		return
	}
	for _, m := range ms {
		n.startMapping(ctx, m)
	}
}

// startMapping syncs a mapping in its own goroutine, so a partner that is
// slow or gone holds up nobody else. When that mapping is already syncing,
// it syncs once more right after, so no change waits for the schedule.
func (n *Node) startMapping(ctx context.Context, m replica.Mapping) {
	n.mu.Lock()
	if n.inflight[m.ID] {
		n.again[m.ID] = true
		n.mu.Unlock()
		return
	}
	n.inflight[m.ID] = true
	n.mu.Unlock()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for {
			if _, err := n.SyncMapping(ctx, m); err != nil && ctx.Err() == nil {
				n.cfg.Logf("sync %s with %s: %v", m.Workspace, m.Partner.Short(), err)
			}
			n.mu.Lock()
			if n.again[m.ID] && ctx.Err() == nil {
				delete(n.again, m.ID)
				n.mu.Unlock()
				continue
			}
			delete(n.inflight, m.ID)
			delete(n.again, m.ID)
			n.mu.Unlock()
			return
		}
	}()
}

func (n *Node) closeIdle() {
	n.mu.Lock()
	var idle []*peerConn
	for dev, pc := range n.conns {
		if time.Since(pc.used) > n.cfg.IdleTimeout && pc.tryLock() {
			idle = append(idle, pc)
			delete(n.conns, dev)
			pc.unlock()
		}
	}
	n.mu.Unlock()
	for _, pc := range idle {
		pc.tc.Close()
	}
}

// ErrNoAddress is returned when no address is known for a partner.
var ErrNoAddress = errors.New("no known address for the partner")
