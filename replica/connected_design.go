package replica

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
	bolt "go.etcd.io/bbolt"
)

// Connected mode as design data. The connection itself is an item of the
// design scope, so every replica of the workspace — peers that never talked
// to the server too — knows the workspace is connected and which key signs
// its design:
//
//	connection item (ID connectionItemID, the same on every replica)
//	  existence unit    state byte (1), kind byte ('C')
//	  unitServerDevice  the server's device ID (32 bytes)
//	  unitServerKey     the server's ed25519 public key (32 bytes)
//
// A tool mirroring a server list (a bound tool) carries, in its design
// item, the signed server design it mirrors:
//
//	unitServerDesign  the list design with its signature, JSON (wireform.List)
//
// Every replica checks, on Apply, each design item a batch changes in a
// connected workspace (checkConnectedDesign):
//
//   - a bound tool must carry a design the connection's key signed, at a
//     design version not below the one it held, and must equal that
//     design's deterministic mirror (wireform.MirrorTool): name, fields,
//     and no views, forms or rules of its own;
//   - a tool without a server design may only bring versions made before
//     the connection (older hybrid-logical-clock stamps): its history, not
//     new design;
//   - the connection may not be rebound to another server, nor removed, by
//     sync.
//
// A batch that breaks a rule is refused whole with ErrUnsignedDesign, like
// a role refusal: nothing of it is applied and the sync session reports
// the error. Local design edits (ApplyDesign, PutTool, the designer) return
// ErrConnected. The server's design reaches the store only through
// ApplyServerDesign, the safe design change with source "server".
//
// Limitation: the clock rule trusts the stamps of a member's unsigned tool
// versions; a manager whose device forges old stamps can still add a tool
// that is not the server's (never change a bound one).
var (
	connectionItemID = uuid.NewSHA1(memberNamespace, []byte("grove-server-connection"))
	unitServerDevice = uuid.UUID{15: 9}
	unitServerKey    = uuid.UUID{15: 10}
	unitServerDesign = uuid.UUID{15: 11}
	// keyPendingDesign prefixes, in the connected bucket, the signed
	// designs ApplyServerDesign is committing: writeTool stores them in the
	// tool's item in the same transaction.
	keyPendingDesign = []byte("pending-design/")
)

const kindConnection = 'C'

// ErrUnsignedDesign is returned (wrapped) by Apply when a batch brings a
// design change that the workspace's server did not sign, in a connected
// workspace; the batch is refused whole.
var ErrUnsignedDesign = errors.New("design change not signed by the workspace's server (connected mode)")

// ErrNotConnected is returned by ApplyServerDesign when the workspace has
// no connection to a server.
var ErrNotConnected = errors.New("workspace is not connected to a server")

// ServerConnection is the server a workspace is connected to, as every
// replica knows it from the design data.
type ServerConnection struct {
	Device    identity.DeviceID
	PublicKey ed25519.PublicKey
	// Since is the clock stamp of the connection: unsigned tool versions
	// stamped later are refused.
	Since HLC
}

func connectionFromItem(it *item) (ServerConnection, bool) {
	ex := it.unit(existenceUnit)
	if ex == nil || !bytes.Equal(ex.versions[0].value, []byte{stateAlive, kindConnection}) {
		return ServerConnection{}, false
	}
	dev, key := winner(it, unitServerDevice), winner(it, unitServerKey)
	if len(dev) != len(identity.DeviceID{}) || len(key) != ed25519.PublicKeySize {
		return ServerConnection{}, false
	}
	c := ServerConnection{PublicKey: bytes.Clone(key), Since: ex.versions[0].hlc}
	copy(c.Device[:], dev)
	return c, c.Device == identity.FromPublicKey(c.PublicKey)
}

// connection reads the workspace's connection inside a transaction.
func (st *scopeTx) connection() (ServerConnection, bool, error) {
	ds := st
	if st.scope != ScopeDesign {
		var err error
		if ds, err = st.s.openScope(st.tx, st.wsID, ScopeDesign); err != nil {
			return ServerConnection{}, false, err
		}
	}
	it, err := ds.getItem(connectionItemID)
	if err != nil || it == nil {
		return ServerConnection{}, false, err
	}
	c, ok := connectionFromItem(it)
	return c, ok, nil
}

// Connection returns the server a workspace is connected to; ok is false
// when it is not connected. Every replica knows it, not only the devices
// that talk to the server.
func (s *Store) Connection(ws uuid.UUID) (c ServerConnection, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		c, ok, err = st.connection()
		return err
	})
	if err != nil {
		return c, false, fmt.Errorf("connection of %s: %w", ws, err)
	}
	return c, ok, nil
}

// RecordConnection makes the workspace connected to the server with public
// key pub: a design change, so only a manager may, and it syncs to every
// member. It may run again for the same server (nothing changes); another
// server is refused with ErrConnected.
func (s *Store) RecordConnection(ws uuid.UUID, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("record connection: server key of %d bytes: %w", len(pub), ErrInvalidInput)
	}
	dev := identity.FromPublicKey(pub)
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		if c, ok, err := st.connection(); err != nil {
			return err
		} else if ok {
			if c.Device != dev {
				return fmt.Errorf("bound to server %s: %w", c.Device.Short(), ErrConnected)
			}
			return nil
		}
		if err := st.requireLocalRole(RoleManager); err != nil {
			return err
		}
		writes := []unitWrite{
			{unit: existenceUnit, value: []byte{stateAlive, kindConnection}},
			{unit: unitServerDevice, value: bytes.Clone(dev[:])},
			{unit: unitServerKey, value: bytes.Clone(pub)},
		}
		if _, _, err := st.localWrite(connectionItemID, writes, nil); err != nil {
			return err
		}
		return st.flush()
	})
	if err != nil {
		return fmt.Errorf("record connection: %w", err)
	}
	return nil
}

// ApplyServerDesign applies server list designs to their mirrored tools
// through the safe design change (source "server"): each design must carry
// the connection's signature (ErrUnsignedDesign otherwise, nothing
// written). A design that does not fit the workspace's records is refused
// like any design change — production unchanged, the rejection recorded,
// an error wrapping ErrDesignRejected — and the tool keeps its design
// until the next version. A valid one is committed with its signed design
// in the tool's item, so peers accept it. Only a manager's device applies
// server designs (ErrRoleTooLow): the new design versions are its own.
func (s *Store) ApplyServerDesign(ws uuid.UUID, lists []wireform.List) ([]DesignReport, error) {
	conn, ok, err := s.Connection(ws)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("apply server design: %w", ErrNotConnected)
	}
	tools := make([]*schema.Tool, len(lists))
	pending := make(map[uuid.UUID][]byte, len(lists))
	for i, l := range lists {
		if !wireform.VerifyDesign(conn.PublicKey, l) {
			return nil, fmt.Errorf("apply server design of %q: %w", l.Name, ErrUnsignedDesign)
		}
		m, err := wireform.MirrorTool(conn.Device[:], l)
		if err != nil {
			return nil, fmt.Errorf("apply server design: %w", err)
		}
		raw, err := json.Marshal(l)
		if err != nil {
			return nil, err
		}
		tools[i], pending[m.Tool.ID] = m.Tool, raw
	}
	if err := s.setPendingDesigns(ws, pending, true); err != nil {
		return nil, err
	}
	reps, err := s.applyDesigns(ws, tools, sourceServer)
	if cerr := s.setPendingDesigns(ws, pending, false); cerr != nil && err == nil {
		err = cerr
	}
	return reps, err
}

// setPendingDesigns stores (or, put false, clears) the signed designs of
// a server design change in progress. The role is checked here, before
// the safe design change: a participant's device does not author designs.
func (s *Store) setPendingDesigns(ws uuid.UUID, pending map[uuid.UUID][]byte, put bool) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if put {
			st, err := s.openScope(tx, ws, ScopeDesign)
			if err != nil {
				return err
			}
			if err := st.requireLocalRole(RoleManager); err != nil {
				return fmt.Errorf("apply server design: %w", err)
			}
		}
		cb, err := connectedBucket(tx, ws)
		if err != nil {
			return err
		}
		for id, raw := range pending {
			k := append(bytes.Clone(keyPendingDesign), id[:]...)
			if put {
				err = cb.Put(k, raw)
			} else {
				err = cb.Delete(k)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// serverDesignWrite returns the write of a tool's signed server design
// when a server design change is committing it (see ApplyServerDesign);
// writeTool adds it to the tool's units in the same transaction.
func serverDesignWrite(tx *bolt.Tx, ws, tool uuid.UUID) ([]unitWrite, error) {
	cb, err := connectedBucket(tx, ws)
	if err != nil || cb == nil {
		return nil, err
	}
	raw := cb.Get(append(bytes.Clone(keyPendingDesign), tool[:]...))
	if raw == nil {
		return nil, nil
	}
	return []unitWrite{{unit: unitServerDesign, value: bytes.Clone(raw)}}, nil
}

// checkConnectedDesign is Apply's check of a changed design item in a
// connected workspace (see the rules above). merged is the item as the
// batch leaves it, not yet written.
func (a *applier) checkConnectedDesign(merged *item) error {
	stored, err := a.st.getItem(merged.id)
	if err != nil {
		return err
	}
	conn, connected, err := a.st.connection()
	if err != nil {
		return err
	}
	if merged.id == connectionItemID {
		next, ok := connectionFromItem(merged)
		switch {
		case connected && !ok:
			return fmt.Errorf("design item %s: the connection is not removed by sync: %w", merged.id, ErrUnsignedDesign)
		case connected && next.Device != conn.Device:
			return fmt.Errorf("design item %s: rebinding to server %s: %w", merged.id, next.Device.Short(), ErrUnsignedDesign)
		}
		return nil
	}
	if !connected || (!isToolItem(merged) && !isToolItem(stored)) {
		return nil
	}
	if len(winner(merged, unitServerDesign)) > 0 {
		if err := checkBoundTool(conn, stored, merged); err != nil {
			return fmt.Errorf("tool %s: %w", merged.id, err)
		}
		return nil
	}
	for _, u := range merged.units {
		for _, v := range u.versions {
			if stored != nil && hasVersion(stored.unit(u.id), v) {
				continue
			}
			if v.hlc >= conn.Since {
				return fmt.Errorf("tool %s: a change made in connected mode without the server's signed design: %w", merged.id, ErrUnsignedDesign)
			}
		}
	}
	return nil
}

func hasVersion(u *unit, v version) bool {
	return u != nil && findVersion(u.versions, v.replica, v.tick) >= 0
}

// isToolItem reports whether an item is a tool's design (alive or removed).
func isToolItem(it *item) bool {
	if it == nil {
		return false
	}
	ex := winner(it, existenceUnit)
	return len(ex) >= 2 && ex[1] == kindTool
}

// checkBoundTool checks that a bound tool is exactly the mirror of a
// design the server signed, not older than the one stored.
func checkBoundTool(conn ServerConnection, stored, merged *item) error {
	l, err := parseServerDesign(winner(merged, unitServerDesign))
	if err != nil {
		return err
	}
	if !wireform.VerifyDesign(conn.PublicKey, l) {
		return fmt.Errorf("list %q version %d: bad signature: %w", l.Name, l.DesignVersion, ErrUnsignedDesign)
	}
	if stored != nil {
		if old, err := parseServerDesign(winner(stored, unitServerDesign)); err == nil && old.DesignVersion > l.DesignVersion {
			return fmt.Errorf("list %q: design version %d older than %d: %w", l.Name, l.DesignVersion, old.DesignVersion, ErrUnsignedDesign)
		}
	}
	m, err := wireform.MirrorTool(conn.Device[:], l)
	if err != nil {
		return fmt.Errorf("%w: %w", err, ErrUnsignedDesign)
	}
	got, ok, err := toolFromItem(merged)
	if err != nil {
		return err
	}
	if !ok || m.Tool.ID != merged.id || !sameServerDesign(got, m.Tool) {
		return fmt.Errorf("design differs from the server's list %q version %d: %w", l.Name, l.DesignVersion, ErrUnsignedDesign)
	}
	return nil
}

func parseServerDesign(raw []byte) (wireform.List, error) {
	var l wireform.List
	if len(raw) == 0 {
		return l, fmt.Errorf("no server design: %w", ErrUnsignedDesign)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&l); err != nil {
		return l, fmt.Errorf("server design: %w: %w", err, ErrUnsignedDesign)
	}
	return l, nil
}

// sameServerDesign compares two tools element by element, in their stored
// binary forms.
func sameServerDesign(a, b *schema.Tool) bool {
	return toolBytes(a) != nil && bytes.Equal(toolBytes(a), toolBytes(b))
}

func toolBytes(t *schema.Tool) []byte {
	c := t.Clone()
	if err := c.Canonicalize(); err != nil {
		return nil
	}
	b := append([]byte(c.Name), 0)
	b = append(append(b, c.Description...), 0)
	for _, f := range c.Fields {
		b = f.AppendBinary(append(b, f.ID[:]...))
	}
	for _, v := range c.Views {
		b = v.AppendBinary(append(b, v.ID[:]...))
	}
	for _, fm := range c.Forms {
		b = fm.AppendBinary(append(b, fm.ID[:]...))
	}
	for _, r := range c.Rules {
		b = r.AppendBinary(append(b, r.ID[:]...))
	}
	return append(b, byte(len(c.Fields)), byte(len(c.Views)), byte(len(c.Forms)), byte(len(c.Rules)))
}

// ServerDesigns returns, by tool ID, the signed server design each bound
// tool of the workspace holds: the design version the tool is at, as it
// reached this replica (applied here or synced from a peer).
func (s *Store) ServerDesigns(ws uuid.UUID) (map[uuid.UUID]wireform.List, error) {
	out := map[uuid.UUID]wireform.List{}
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		return st.items.ForEach(func(k, v []byte) error {
			it, err := decodeItem(uuid.UUID(k), v, true)
			if err != nil {
				return err
			}
			if raw := winner(it, unitServerDesign); len(raw) > 0 && isToolItem(it) {
				if l, err := parseServerDesign(raw); err == nil {
					out[it.id] = l
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("server designs: %w", err)
	}
	return out, nil
}
