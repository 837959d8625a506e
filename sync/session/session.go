package session

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/sync/wire"
)

// Store is what sessions need of the replica store.
type Store interface {
	Knowledge(ws uuid.UUID, sc replica.Scope) (replica.Knowledge, error)
	NewEnumerator(ws uuid.UUID, sc replica.Scope, dest replica.Knowledge) (*replica.Enumerator, error)
	Apply(ws uuid.UUID, sc replica.Scope, from identity.DeviceID, b *replica.Batch) (replica.ApplyResult, error)
	AddKnowledge(ws uuid.UUID, sc replica.Scope, k replica.Knowledge) error
	Trusts(ws uuid.UUID, dev identity.DeviceID) (bool, error)
}

var _ Store = (*replica.Store)(nil)

// Request describes one session a client asks for.
type Request struct {
	Workspace uuid.UUID
	Mapping   uuid.UUID
	Direction replica.Direction
	Scopes    []replica.Scope
}

// Report says what one session did, from the caller's side.
type Report struct {
	// Received counts items and versions applied here; Sent, items sent.
	ReceivedItems, ReceivedVersions, Conflicts int
	SentItems                                  int
	// PeerApplied and PeerConflicts come from the peer's Ack.
	PeerApplied, PeerConflicts int
	Duration                   time.Duration
}

// checkMember refuses a peer that is not a member of the workspace.
func checkMember(s Store, ws uuid.UUID, peer identity.DeviceID) error {
	ok, err := s.Trusts(ws, peer)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("device %s: %w", peer.Short(), replica.ErrNotMember)
	}
	return nil
}

// Sync runs one session as the client. Before anything is sent the peer
// must be a member of the workspace.
func (c *Conn) Sync(s Store, req Request) (Report, error) {
	start := time.Now()
	var rep Report
	if err := checkMember(s, req.Workspace, c.Peer); err != nil {
		return rep, err
	}
	msg := &wire.Sync{Workspace: req.Workspace, Mapping: req.Mapping, Direction: wireDirection(req.Direction)}
	for _, sc := range req.Scopes {
		k, err := s.Knowledge(req.Workspace, sc)
		if err != nil {
			return rep, err
		}
		wk, err := c.toWireKnowledge(k)
		if err != nil {
			return rep, err
		}
		msg.Scopes = append(msg.Scopes, wire.ScopeKnowledge{Scope: byte(sc), Knowledge: wk})
	}
	msg.Defs = c.takeDefs()
	if err := c.send(wire.TypeSync, msg.AppendBinary(nil)); err != nil {
		return rep, err
	}
	// Receive what we lack; the closing Done carries the server's knowledge,
	// merged into ours only when the server sent us its changes.
	theirs, err := c.receiveChanges(s, req.Workspace, req.Direction != replica.Push, &rep)
	if err != nil {
		return rep, err
	}
	// Send what the server lacks, unless we only pull.
	var send []replica.Scope
	if req.Direction != replica.Pull {
		send = req.Scopes
	}
	if err := c.sendChanges(s, req.Workspace, send, theirs, &rep); err != nil {
		return rep, err
	}
	typ, body, err := c.receive()
	if err != nil {
		return rep, err
	}
	if typ != wire.TypeAck {
		return rep, fmt.Errorf("session: message type %d instead of Ack: %w", typ, ErrUnexpected)
	}
	ack, err := wire.ParseAck(body)
	if err != nil {
		return rep, err
	}
	rep.PeerApplied, rep.PeerConflicts = int(ack.Applied), int(ack.Conflicts)
	rep.Duration = time.Since(start)
	return rep, nil
}

func wireDirection(d replica.Direction) byte {
	switch d {
	case replica.Push:
		return wire.Push
	case replica.Pull:
		return wire.Pull
	}
	return wire.Both
}

// receiveChanges applies batches until Done and returns the source's
// snapshot knowledge per scope, merged into ours when merge is set (the
// source sent everything we lacked).
func (c *Conn) receiveChanges(s Store, ws uuid.UUID, merge bool, rep *Report) (map[replica.Scope]replica.Knowledge, error) {
	for {
		typ, body, err := c.receive()
		if err != nil {
			return nil, err
		}
		switch typ {
		case wire.TypeBatch:
			if err := c.applyBatch(s, ws, body, rep); err != nil {
				return nil, c.refuse(err)
			}
		case wire.TypeDone:
			return c.finish(s, ws, body, merge)
		default:
			return nil, c.refuse(fmt.Errorf("session: message type %d while receiving changes: %w", typ, ErrUnexpected))
		}
	}
}

func (c *Conn) applyBatch(s Store, ws uuid.UUID, body []byte, rep *Report) error {
	wb, err := wire.ParseBatch(body)
	if err != nil {
		return err
	}
	if err := c.define(wb.Defs); err != nil {
		return err
	}
	b, err := c.fromWireBatch(wb)
	if err != nil {
		return err
	}
	res, err := s.Apply(ws, replica.Scope(wb.Scope), c.Peer, b)
	if err != nil {
		return err
	}
	rep.ReceivedItems += len(b.Items)
	rep.ReceivedVersions += res.Applied
	rep.Conflicts += res.Conflicts
	return nil
}

// finish merges the source's snapshot knowledge after a complete session.
func (c *Conn) finish(s Store, ws uuid.UUID, body []byte, merge bool) (map[replica.Scope]replica.Knowledge, error) {
	d, err := wire.ParseDone(body)
	if err != nil {
		return nil, c.refuse(err)
	}
	if err := c.define(d.Defs); err != nil {
		return nil, c.refuse(err)
	}
	out := make(map[replica.Scope]replica.Knowledge, len(d.Scopes))
	for _, sk := range d.Scopes {
		k, err := c.fromWireKnowledge(sk.Knowledge)
		if err != nil {
			return nil, c.refuse(err)
		}
		out[replica.Scope(sk.Scope)] = k
		if !merge {
			continue
		}
		if err := s.AddKnowledge(ws, replica.Scope(sk.Scope), k); err != nil {
			return nil, c.refuse(err)
		}
	}
	return out, nil
}

// sendChanges sends, per scope in order, what the destination's knowledge
// lacks, then Done with this side's snapshot knowledge of every scope in
// dest (sent even when nothing is, so the peer learns our knowledge).
func (c *Conn) sendChanges(s Store, ws uuid.UUID, scopes []replica.Scope, dest map[replica.Scope]replica.Knowledge, rep *Report) error {
	done := &wire.Done{}
	for _, sc := range scopes {
		dk, ok := dest[sc]
		if !ok {
			continue
		}
		e, err := s.NewEnumerator(ws, sc, dk)
		if err != nil {
			return c.refuse(err)
		}
		for {
			b, err := e.Next(c.batchItems(), c.batchBytes())
			if err != nil {
				return c.refuse(err)
			}
			if b == nil {
				break
			}
			if len(b.Items) == 0 {
				continue
			}
			wb := c.toWireBatch(sc, b)
			if err := c.sendEncoded(wire.TypeBatch, wb.AppendBinary); err != nil {
				return err
			}
			rep.SentItems += len(b.Items)
		}
		wk, err := c.toWireKnowledge(e.Knowledge())
		if err != nil {
			return err
		}
		done.Scopes = append(done.Scopes, wire.ScopeKnowledge{Scope: byte(sc), Knowledge: wk})
	}
	done.Defs = c.takeDefs()
	return c.send(wire.TypeDone, done.AppendBinary(nil))
}

func (c *Conn) batchItems() int {
	if c.BatchItems > 0 {
		return c.BatchItems
	}
	return BatchItems
}

func (c *Conn) batchBytes() int {
	if c.BatchBytes > 0 {
		return c.BatchBytes
	}
	return BatchBytes
}
