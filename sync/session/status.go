package session

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/sync/wire"
)

// Lacks is, per scope, how many changes each side still lacks, counted
// from knowledge: change-log entries one side holds that the other's
// knowledge does not cover.
type Lacks struct {
	Scope    replica.Scope
	WeLack   int
	TheyLack int
}

// Status asks the server how far apart the two replicas are, moving no
// changes.
func (c *Conn) Status(s Store, ws uuid.UUID, scopes []replica.Scope) ([]Lacks, error) {
	if err := checkMember(s, ws, c.Peer); err != nil {
		return nil, err
	}
	msg := &wire.Status{Workspace: ws}
	for _, sc := range scopes {
		k, err := s.Knowledge(ws, sc)
		if err != nil {
			return nil, err
		}
		wk, err := c.toWireKnowledge(k)
		if err != nil {
			return nil, err
		}
		msg.Scopes = append(msg.Scopes, wire.ScopeKnowledge{Scope: byte(sc), Knowledge: wk})
	}
	msg.Defs = c.takeDefs()
	if err := c.send(wire.TypeStatus, msg.AppendBinary(nil)); err != nil {
		return nil, err
	}
	typ, body, err := c.receive()
	if err != nil {
		return nil, err
	}
	if typ != wire.TypeStatusReply {
		return nil, fmt.Errorf("status: message type %d: %w", typ, ErrUnexpected)
	}
	rep, err := wire.ParseStatusReply(body)
	if err != nil {
		return nil, err
	}
	if err := c.define(rep.Defs); err != nil {
		return nil, err
	}
	out := make([]Lacks, len(rep.Scopes))
	for i, sk := range rep.Scopes {
		theirs, err := c.fromWireKnowledge(sk.Knowledge)
		if err != nil {
			return nil, err
		}
		sc := replica.Scope(sk.Scope)
		e, err := s.NewEnumerator(ws, sc, theirs)
		if err != nil {
			return nil, err
		}
		out[i] = Lacks{Scope: sc, WeLack: int(rep.Lacks[i]), TheyLack: e.Remaining()}
	}
	return out, nil
}

func (c *Conn) serveStatus(s Store, body []byte) error {
	msg, err := wire.ParseStatus(body)
	if err != nil {
		return c.refuse(err)
	}
	ws := uuid.UUID(msg.Workspace)
	if err := c.define(msg.Defs); err != nil {
		return c.refuse(err)
	}
	if err := checkMember(s, ws, c.Peer); err != nil {
		return c.refuse(err)
	}
	reply := &wire.StatusReply{}
	for _, sk := range msg.Scopes {
		sc := replica.Scope(sk.Scope)
		theirs, err := c.fromWireKnowledge(sk.Knowledge)
		if err != nil {
			return c.refuse(err)
		}
		e, err := s.NewEnumerator(ws, sc, theirs)
		if err != nil {
			return c.refuse(err)
		}
		mine, err := c.toWireKnowledge(e.Knowledge())
		if err != nil {
			return c.refuse(err)
		}
		reply.Lacks = append(reply.Lacks, uint64(e.Remaining()))
		reply.Scopes = append(reply.Scopes, wire.ScopeKnowledge{Scope: byte(sc), Knowledge: mine})
	}
	reply.Defs = c.takeDefs()
	return c.send(wire.TypeStatusReply, reply.AppendBinary(nil))
}
