package session

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/knowledge"
	"github.com/grove-team/grove/sync/wire"
)

// outIndex returns the connection number of a replica on our direction,
// queueing its definition when it is new.
func (c *Conn) outIndex(ref replica.ReplicaRef) uint64 {
	if i, ok := c.out[ref]; ok {
		return i
	}
	i := uint64(len(c.out))
	c.out[ref] = i
	c.pending = append(c.pending, wire.Replica{ID: ref.ID, Device: ref.Device})
	return i
}

// takeDefs returns and clears the queued definitions.
func (c *Conn) takeDefs() []wire.Replica {
	d := c.pending
	c.pending = nil
	return d
}

// define records the peer's new definitions.
func (c *Conn) define(defs []wire.Replica) error {
	if len(c.in)+len(defs) > 1<<20 {
		return fmt.Errorf("too many replica definitions: %w", wire.ErrMalformed)
	}
	for _, d := range defs {
		c.in = append(c.in, replica.ReplicaRef{ID: uuid.UUID(d.ID), Device: d.Device})
	}
	return nil
}

// toWireKnowledge renames a portable knowledge's keys to connection numbers.
func (c *Conn) toWireKnowledge(k replica.Knowledge) (*knowledge.Knowledge, error) {
	return k.Set.Map(func(i uint32) (uint32, bool) {
		if int(i) >= len(k.Replicas) {
			return 0, false
		}
		return uint32(c.outIndex(k.Replicas[i])), true
	})
}

// fromWireKnowledge reads a peer's knowledge: its keys number the peer's
// definitions.
func (c *Conn) fromWireKnowledge(k *knowledge.Knowledge) (replica.Knowledge, error) {
	for _, r := range k.Replicas() {
		if int(r) >= len(c.in) {
			return replica.Knowledge{}, fmt.Errorf("knowledge names undefined replica %d: %w", r, wire.ErrMalformed)
		}
	}
	return replica.Knowledge{Replicas: c.in, Set: k}, nil
}

// toWireBatch converts a domain batch for sending.
func (c *Conn) toWireBatch(sc replica.Scope, b *replica.Batch) *wire.Batch {
	idx := make([]uint64, len(b.Replicas))
	for i, r := range b.Replicas {
		idx[i] = c.outIndex(r)
	}
	wb := &wire.Batch{Scope: byte(sc), Items: make([]wire.Item, len(b.Items))}
	for i, it := range b.Items {
		wi := wire.Item{ID: it.ID, Units: make([]wire.Unit, len(it.Units))}
		for j, u := range it.Units {
			wu := wire.Unit{ID: u.ID, Versions: make([]wire.VersionData, len(u.Versions))}
			for k, v := range u.Versions {
				var flags byte
				if v.Refused {
					flags = 1
				}
				wu.Versions[k] = wire.VersionData{Replica: idx[v.Replica], Tick: v.Tick, HLC: uint64(v.HLC), Flags: flags, Value: v.Value}
			}
			for _, d := range u.Context {
				wu.Context = append(wu.Context, wire.Dot{Replica: idx[d.Replica], Tick: d.Tick})
			}
			wi.Units[j] = wu
		}
		wb.Items[i] = wi
	}
	wb.Defs = c.takeDefs()
	return wb
}

// fromWireBatch converts a received batch; replica numbers are checked
// against the peer's definitions.
func (c *Conn) fromWireBatch(wb *wire.Batch) (*replica.Batch, error) {
	b := &replica.Batch{Replicas: c.in, Items: make([]replica.ItemChange, len(wb.Items))}
	n := uint64(len(c.in))
	for i, it := range wb.Items {
		ic := replica.ItemChange{ID: it.ID, Units: make([]replica.UnitChange, len(it.Units))}
		for j, u := range it.Units {
			uc := replica.UnitChange{ID: u.ID, Versions: make([]replica.VersionData, len(u.Versions))}
			for k, v := range u.Versions {
				if v.Replica >= n || v.Flags&^1 != 0 {
					return nil, fmt.Errorf("item %x: bad replica or flags: %w", it.ID, wire.ErrMalformed)
				}
				uc.Versions[k] = replica.VersionData{Replica: uint32(v.Replica), Tick: v.Tick, HLC: replica.HLC(v.HLC), Refused: v.Flags&1 != 0, Value: v.Value}
			}
			for _, d := range u.Context {
				if d.Replica >= n || d.Tick == 0 {
					return nil, fmt.Errorf("item %x: bad context: %w", it.ID, wire.ErrMalformed)
				}
				uc.Context = append(uc.Context, replica.Dot{Replica: uint32(d.Replica), Tick: d.Tick})
			}
			ic.Units[j] = uc
		}
		b.Items[i] = ic
	}
	return b, nil
}
