package sync

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/sync/session"
	"github.com/grove-team/grove/sync/transport"
)

// accept serves incoming connections until the listener closes.
func (n *Node) accept(ctx context.Context) {
	for {
		nc, err := n.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			n.cfg.Logf("sync: accept: %v", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.serve(ctx, nc)
		}()
	}
}

// serve runs the server side of one connection.
func (n *Node) serve(ctx context.Context, nc net.Conn) {
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	defer nc.Close()
	tc, err := n.ln.Handshake(ctx, nc)
	if err != nil {
		n.cfg.Logf("sync: %v", err)
		return
	}
	// Between sessions the client may keep the connection idle (it closes
	// it after its idle timeout); within one, every byte must move in time.
	sess := session.New(serverStream{tc}, n.device.ID, tc.Peer)
	sess.ListenPort = n.Port()
	tc.SetDeadline(time.Now().Add(transport.HandshakeTimeout))
	if err := sess.Handshake(false); err != nil {
		n.cfg.Logf("sync: hello from %s: %v", tc.Peer.Short(), err)
		return
	}
	tc.SetDeadline(time.Time{})
	// Where the peer accepts connections: its address, its announced port.
	callback := ""
	if host, _, err := net.SplitHostPort(nc.RemoteAddr().String()); err == nil && sess.PeerPort > 0 {
		callback = net.JoinHostPort(host, strconv.Itoa(sess.PeerPort))
	}
	hooks := session.Hooks{
		Join: func(peer identity.DeviceID, ws uuid.UUID, secret [32]byte, name string) (string, replica.Role, error) {
			wsName, role, err := n.store.RedeemInvitation(ws, secret, peer, name)
			if err == nil {
				n.mappingFor(ws, peer)
				n.cfg.Logf("sync: %s joined %s as %s", peer.Short(), wsName, role)
			}
			return wsName, role, err
		},
		Done: func(ws uuid.UUID, peer identity.DeviceID, rep session.Report) {
			if rep.ReceivedVersions > 0 {
				n.Changed(ws) // pass the news on to the other partners
			}
			n.mappingFor(ws, peer)
			n.noteSync(ws, peer, callback)
			n.publish(Event{Workspace: ws, Peer: peer, Result: Result{Report: rep, Peer: peer}})
		},
	}
	if err := sess.Serve(n.store, hooks); err != nil && ctx.Err() == nil {
		n.cfg.Logf("sync: session with %s: %v", tc.Peer.Short(), err)
	}
}

// noteSync records a completed session: the partner's address and the
// mappings' last sync time. To keep an idle sync free of extra fsyncs it
// writes only when the address changed or the last note is 30 s old.
func (n *Node) noteSync(ws uuid.UUID, peer identity.DeviceID, addr string) {
	key := noteKey{ws, peer}
	n.mu.Lock()
	last, ok := n.noted[key]
	fresh := ok && last.addr == addr && time.Since(last.at) < 30*time.Second
	if !fresh {
		n.noted[key] = noted{addr: addr, at: time.Now()}
	}
	n.mu.Unlock()
	if !fresh {
		n.store.NoteSync(ws, peer, addr, time.Now())
	}
}

type noteKey struct {
	ws   uuid.UUID
	peer identity.DeviceID
}

type noted struct {
	addr string
	at   time.Time
}

// serverStream gives a served connection generous read deadlines (the
// client keeps it for reuse) and SessionTimeout for writes.
type serverStream struct{ c net.Conn }

func (s serverStream) Read(b []byte) (int, error) {
	s.c.SetReadDeadline(time.Now().Add(idleServe))
	return s.c.Read(b)
}

func (s serverStream) Write(b []byte) (int, error) {
	s.c.SetWriteDeadline(time.Now().Add(SessionTimeout))
	return s.c.Write(b)
}

// SetWriteDeadline lets a refusal be written before the connection closes.
func (s serverStream) SetWriteDeadline(t time.Time) error { return s.c.SetWriteDeadline(t) }

// idleServe is how long a served connection may stay silent: longer than
// the client's idle timeout, so the client closes first.
const idleServe = 10 * time.Minute
