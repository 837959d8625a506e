package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	gosync "sync"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/sync/session"
	"github.com/grove-team/grove/sync/transport"
)

// dial opens (or reuses) the connection to a device at one of addrs. With
// a zero dev the first address that answers is used, whoever it is.
func (n *Node) dial(ctx context.Context, dev identity.DeviceID, addrs []string) (*peerConn, error) {
	if !dev.IsZero() {
		n.mu.Lock()
		pc := n.conns[dev]
		n.mu.Unlock()
		if pc != nil {
			return pc, nil
		}
	}
	var errs []error
	for _, addr := range addrs {
		tc, err := transport.Dial(ctx, addr, n.cert, dev)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sess := session.New(progress{tc}, n.device.ID, tc.Peer)
		sess.ListenPort = n.Port()
		tc.SetDeadline(time.Now().Add(transport.HandshakeTimeout))
		if err := sess.Handshake(true); err != nil {
			tc.Close()
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			continue
		}
		tc.SetDeadline(time.Time{})
		pc := &peerConn{turn: make(chan struct{}, 1), tc: tc, sess: sess, addr: addr, used: time.Now()}
		n.mu.Lock()
		if old := n.conns[tc.Peer]; old != nil {
			n.mu.Unlock()
			tc.Close()
			return old, nil
		}
		n.conns[tc.Peer] = pc
		n.mu.Unlock()
		return pc, nil
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("device %s: %w", dev.Short(), ErrNoAddress)
	}
	return nil, errors.Join(errs...)
}

// drop forgets a connection that failed.
func (n *Node) drop(pc *peerConn) {
	n.mu.Lock()
	if n.conns[pc.sess.Peer] == pc {
		delete(n.conns, pc.sess.Peer)
	}
	n.mu.Unlock()
	pc.tc.Close()
}

// addresses lists where a partner may be: discovery first, then the last
// address that worked.
func (n *Node) addresses(ws uuid.UUID, dev identity.DeviceID) []string {
	var out []string
	if n.cfg.Book != nil {
		out = append(out, n.cfg.Book.Addresses(dev)...)
	}
	if p, ok, err := n.store.PeerAddress(ws, dev); err == nil && ok && !slices.Contains(out, p.Addr) {
		out = append(out, p.Addr)
	}
	return out
}

// SyncMapping runs one session for a stored mapping, finding the partner
// through the address book. A connection that fails is retried once on a
// fresh connection (the partner may have restarted).
func (n *Node) SyncMapping(ctx context.Context, m replica.Mapping) (Result, error) {
	req := session.Request{Workspace: m.Workspace, Mapping: m.ID, Direction: m.Direction, Scopes: m.Scopes}
	return n.run(ctx, m.Partner, n.addresses(m.Workspace, m.Partner), req)
}

// SyncPeer syncs ws with whoever answers at addr, both ways, every scope.
// The first sync with a partner creates the mapping; later ones reuse it.
func (n *Node) SyncPeer(ctx context.Context, ws uuid.UUID, addr string) (Result, error) {
	peer, ok := n.pooledAt(addr)
	if !ok {
		pc, err := n.dial(ctx, identity.DeviceID{}, []string{addr})
		if err != nil {
			return Result{}, err
		}
		peer = pc.sess.Peer
	}
	m, err := n.mappingFor(ws, peer)
	if err != nil {
		return Result{}, err
	}
	return n.SyncMapping(ctx, m)
}

// pooledAt returns the device of an open connection to addr.
func (n *Node) pooledAt(addr string) (identity.DeviceID, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for dev, pc := range n.conns {
		if pc.addr == addr {
			return dev, true
		}
	}
	return identity.DeviceID{}, false
}

// mappingFor returns the two-way mapping with a partner, making it.
func (n *Node) mappingFor(ws uuid.UUID, dev identity.DeviceID) (replica.Mapping, error) {
	ms, err := n.store.Mappings(ws)
	if err != nil {
		return replica.Mapping{}, err
	}
	for _, m := range ms {
		if m.Partner == dev && m.Direction == replica.Both && len(m.Scopes) == len(replica.Scopes) {
			return m, nil
		}
	}
	return n.store.PutMapping(replica.Mapping{Workspace: ws, Partner: dev, Direction: replica.Both, Scopes: replica.Scopes, Interval: max(n.cfg.Interval, 0)})
}

// run performs one session on a pooled connection.
func (n *Node) run(ctx context.Context, dev identity.DeviceID, addrs []string, req session.Request) (Result, error) {
	for attempt := 0; ; attempt++ {
		pc, err := n.dial(ctx, dev, addrs)
		if err != nil {
			if g, ok := n.cfg.Book.(interface{ MarkGone(identity.DeviceID) }); ok && !dev.IsZero() && ctx.Err() == nil {
				g.MarkGone(dev) // announced, but not answering: gone
			}
			n.publish(Event{Workspace: req.Workspace, Peer: dev, Err: err})
			return Result{}, err
		}
		res, err := n.session(ctx, pc, req)
		if err == nil {
			n.noteSync(req.Workspace, pc.sess.Peer, pc.addr)
			if res.ReceivedVersions > 0 {
				n.changedExcept(req.Workspace)
			}
			n.publish(Event{Workspace: req.Workspace, Peer: pc.sess.Peer, Result: res})
			return res, nil
		}
		n.drop(pc)
		var refused *session.RefusedError
		if attempt > 0 || errors.As(err, &refused) || ctx.Err() != nil || isRefusal(err) {
			n.publish(Event{Workspace: req.Workspace, Peer: pc.sess.Peer, Err: err})
			return res, err
		}
	}
}

// isRefusal tells errors decided locally (not worth a retry).
func isRefusal(err error) bool {
	return errors.Is(err, replica.ErrNotMember) || errors.Is(err, replica.ErrRoleTooLow) ||
		errors.Is(err, replica.ErrNoWorkspace) || errors.Is(err, replica.ErrKnowledgeClaim) ||
		errors.Is(err, replica.ErrUnsignedDesign)
}

func (n *Node) session(ctx context.Context, pc *peerConn, req session.Request) (Result, error) {
	if err := pc.lock(ctx); err != nil {
		return Result{}, err
	}
	defer pc.unlock()
	stop := context.AfterFunc(ctx, func() { pc.tc.SetDeadline(time.Now()) })
	defer stop()
	sent, recv := pc.tc.Sent(), pc.tc.Received()
	rep, err := pc.sess.Sync(n.store, req)
	pc.used = time.Now()
	res := Result{Report: rep, Peer: pc.sess.Peer, Addr: pc.addr, Mapping: req.Mapping,
		BytesSent: pc.tc.Sent() - sent, BytesReceived: pc.tc.Received() - recv}
	return res, err
}

// changedExcept marks a workspace changed after it received changes, so
// they travel on to the other partners.
func (n *Node) changedExcept(ws uuid.UUID) { n.Changed(ws) }

// StatusTimeout bounds how long Status waits for one partner.
const StatusTimeout = 5 * time.Second

// Status reports, per partner of ws, how many changes each side lacks,
// asking the partners side by side; one that does not answer within
// StatusTimeout is reported offline.
func (n *Node) Status(ctx context.Context, ws uuid.UUID) ([]PartnerStatus, error) {
	ms, err := n.store.Mappings(ws)
	if err != nil {
		return nil, err
	}
	seen := map[identity.DeviceID]bool{}
	var out []PartnerStatus
	for _, m := range ms {
		if !seen[m.Partner] {
			seen[m.Partner] = true
			out = append(out, PartnerStatus{Partner: m.Partner, LastSync: m.LastSync})
		}
	}
	var wg gosync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, StatusTimeout)
			defer cancel()
			n.partnerStatus(pctx, ws, &out[i])
		}()
	}
	wg.Wait()
	return out, nil
}

func (n *Node) partnerStatus(ctx context.Context, ws uuid.UUID, ps *PartnerStatus) {
	pc, err := n.dial(ctx, ps.Partner, n.addresses(ws, ps.Partner))
	if err == nil {
		if err = pc.lock(ctx); err == nil {
			stop := context.AfterFunc(ctx, func() { pc.tc.SetDeadline(time.Now()) })
			ps.Lacks, err = pc.sess.Status(n.store, ws, replica.Scopes)
			stop()
			pc.unlock()
			if err != nil {
				n.drop(pc)
			} else {
				ps.Addr, ps.Online = pc.addr, true
			}
		}
	}
	if err != nil {
		ps.Error = err.Error()
	}
}

// PartnerStatus is one partner's state for a workspace.
type PartnerStatus struct {
	Partner  identity.DeviceID
	Addr     string
	Online   bool
	LastSync time.Time
	Lacks    []session.Lacks
	Error    string
}
