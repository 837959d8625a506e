package session

import (
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/sync/wire"
)

// Hooks let the server's owner take part in sessions. Every field may be
// nil.
type Hooks struct {
	// Join redeems an invitation for the connected device and returns the
	// workspace's name and the role granted, or an error wrapping
	// ErrBadInvitation.
	Join func(peer identity.DeviceID, ws uuid.UUID, secret [32]byte, name string) (wsName string, role replica.Role, err error)
	// Done is called after each session the server completed.
	Done func(ws uuid.UUID, peer identity.DeviceID, rep Report)
}

// Serve answers the client's requests until the client closes the
// connection (nil) or a session fails (its error, after telling the peer).
func (c *Conn) Serve(s Store, h Hooks) error {
	for {
		typ, body, err := c.receive()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch typ {
		case wire.TypeSync:
			ws, rep, err := c.serveSync(s, body)
			if err != nil {
				return err
			}
			if h.Done != nil {
				h.Done(ws, c.Peer, rep)
			}
		case wire.TypeJoin:
			if err := c.serveJoin(h, body); err != nil {
				return err
			}
		case wire.TypeStatus:
			if err := c.serveStatus(s, body); err != nil {
				return err
			}
		default:
			return c.refuse(fmt.Errorf("serve: message type %d: %w", typ, ErrUnexpected))
		}
	}
}

func (c *Conn) serveSync(s Store, body []byte) (uuid.UUID, Report, error) {
	var rep Report
	msg, err := wire.ParseSync(body)
	if err != nil {
		return uuid.Nil, rep, c.refuse(err)
	}
	ws := uuid.UUID(msg.Workspace)
	if err := c.define(msg.Defs); err != nil {
		return ws, rep, c.refuse(err)
	}
	if err := checkMember(s, ws, c.Peer); err != nil {
		return ws, rep, c.refuse(err)
	}
	theirs := make(map[replica.Scope]replica.Knowledge, len(msg.Scopes))
	var scopes []replica.Scope
	for _, sk := range msg.Scopes {
		sc := replica.Scope(sk.Scope)
		if _, err := replica.ParseScope(sc.String()); err != nil {
			return ws, rep, c.refuse(fmt.Errorf("%w: %w", err, wire.ErrMalformed))
		}
		k, err := c.fromWireKnowledge(sk.Knowledge)
		if err != nil {
			return ws, rep, c.refuse(err)
		}
		theirs[sc] = k
		scopes = append(scopes, sc)
	}
	send := scopes
	if msg.Direction == wire.Push {
		send = nil
	}
	if err := c.sendChanges(s, ws, scopes, c.onlyOrMine(s, ws, send, scopes, theirs), &rep); err != nil {
		return ws, rep, err
	}
	if _, err := c.receiveChanges(s, ws, msg.Direction != wire.Pull, &rep); err != nil {
		return ws, rep, err
	}
	ack := wire.Ack{Applied: uint64(rep.ReceivedVersions), Conflicts: uint64(rep.Conflicts)}
	return ws, rep, c.send(wire.TypeAck, ack.AppendBinary(nil))
}

// onlyOrMine returns the destination knowledge to enumerate against: the
// client's for scopes it receives; for the others our own knowledge, so
// nothing is sent but the closing Done still tells the client what we know.
func (c *Conn) onlyOrMine(s Store, ws uuid.UUID, send, all []replica.Scope, theirs map[replica.Scope]replica.Knowledge) map[replica.Scope]replica.Knowledge {
	if len(send) == len(all) {
		return theirs
	}
	out := make(map[replica.Scope]replica.Knowledge, len(all))
	for _, sc := range all {
		if k, err := s.Knowledge(ws, sc); err == nil {
			out[sc] = k
		}
	}
	return out
}

func (c *Conn) serveJoin(h Hooks, body []byte) error {
	j, err := wire.ParseJoin(body)
	if err != nil {
		return c.refuse(err)
	}
	if h.Join == nil {
		return c.refuse(fmt.Errorf("this device does not accept invitations: %w", replica.ErrBadInvitation))
	}
	name, role, err := h.Join(c.Peer, uuid.UUID(j.Workspace), j.Secret, j.Name)
	if err != nil {
		return c.refuse(err)
	}
	return c.send(wire.TypeAccepted, wire.Accepted{Role: uint64(role), Name: name}.AppendBinary(nil))
}

// Join presents an invitation secret; on success the server has made this
// device a member and returns the workspace's name and the role granted.
// The caller then creates its replica and runs Sync.
func (c *Conn) Join(ws uuid.UUID, secret [32]byte, name string) (string, replica.Role, error) {
	if err := c.send(wire.TypeJoin, wire.Join{Workspace: ws, Secret: secret, Name: name}.AppendBinary(nil)); err != nil {
		return "", 0, err
	}
	typ, body, err := c.receive()
	if err != nil {
		return "", 0, err
	}
	if typ != wire.TypeAccepted {
		return "", 0, fmt.Errorf("join: message type %d: %w", typ, ErrUnexpected)
	}
	a, err := wire.ParseAccepted(body)
	if err != nil {
		return "", 0, err
	}
	return a.Name, replica.Role(a.Role), nil
}
