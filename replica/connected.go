package replica

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/replica/knowledge"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// Connected mode: a workspace bound to a Grove server (sync/connect).
//
// Buckets, beside the workspace's others (created on first use):
//
//	ws/<ws>/connected/binding       Binding, JSON (small, read once per sync)
//	ws/<ws>/connected/token         the access token, UTF-8: a secret,
//	                                kept on this device only, never in
//	                                design data
//	ws/<ws>/connected/pending-design/<tool 16>
//	                                a signed design being committed
//	                                (connected_design.go)
//	ws/<ws>/connected/server-know   knowledge encoding, local replica keys:
//	                                the data versions the server has seen
//	                                (accepted, refused, or sent by it)
//	ws/<ws>/refused/<scope 1><item 16><unit 16><replica 4><tick 8>
//	                                reason the server gave, UTF-8
//
// The server is treated like a sync partner whose knowledge this replica
// keeps: what to push is what the log holds beyond that knowledge.

var (
	wsConnected    = []byte("connected")
	keyBinding     = []byte("binding")
	keyServerKnown = []byte("server-know")
	keyServerToken = []byte("token")
)

// ErrConnected is returned when a change is not allowed because the
// workspace is in connected mode (its design belongs to the server).
var ErrConnected = errors.New("workspace is connected to a server: its design is the server's and is read-only here")

// Binding binds a workspace to a server.
type Binding struct {
	Server       string            `json:"server"`
	Fingerprint  string            `json:"fingerprint"`
	ServerDevice identity.DeviceID `json:"serverDevice"`
	PublicKey    []byte            `json:"publicKey"`
	Lists        []BoundList       `json:"lists"`
	// RejectedDesigns maps list IDs to the last design version this
	// device's safe design change refused: it is not tried again, the
	// client waits for the next.
	RejectedDesigns map[int64]int64 `json:"rejectedDesigns,omitempty"`
	// Directory is the client's local copy of what translating values
	// needs (the server's users, the server items of lookup targets); its
	// content belongs to sync/connect.
	Directory json.RawMessage `json:"directory,omitempty"`
}

// BoundList is one server list mirrored by a local tool.
type BoundList struct {
	ListID        int64     `json:"listId"`
	Name          string    `json:"name"`
	Tool          uuid.UUID `json:"tool"`
	Token         int64     `json:"token"`
	DesignVersion int64     `json:"designVersion"`
	// Fields maps server internal names to local fields; Names to the local
	// names (the name map: aliases for names the client reserves).
	Fields map[string]uuid.UUID `json:"fields"`
	Names  map[string]string    `json:"names"`
	// Kinds maps internal names to server kinds.
	Kinds map[string]string `json:"kinds"`
}

func connectedBucket(tx *bolt.Tx, ws uuid.UUID) (*bolt.Bucket, error) {
	wb, err := workspaceBucket(tx, ws)
	if err != nil {
		return nil, err
	}
	if b := wb.Bucket(wsConnected); b != nil || !tx.Writable() {
		return b, nil
	}
	return wb.CreateBucket(wsConnected)
}

// Bind stores a workspace's binding (replacing the previous one).
func (s *Store) Bind(ws uuid.UUID, b Binding) error {
	raw, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		cb, err := connectedBucket(tx, ws)
		if err != nil {
			return err
		}
		return cb.Put(keyBinding, raw)
	})
}

// SetServerToken stores the access token this device uses for the
// workspace's server, beside the binding (never in design data: it does
// not sync). An empty token removes it.
func (s *Store) SetServerToken(ws uuid.UUID, token string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		cb, err := connectedBucket(tx, ws)
		if err != nil {
			return err
		}
		if token == "" {
			return cb.Delete(keyServerToken)
		}
		return cb.Put(keyServerToken, []byte(token))
	})
}

// ServerToken returns the stored access token, "" when there is none.
func (s *Store) ServerToken(ws uuid.UUID) (string, error) {
	var tok string
	err := s.db.View(func(tx *bolt.Tx) error {
		cb, err := connectedBucket(tx, ws)
		if err == nil && cb != nil {
			tok = string(cb.Get(keyServerToken))
		}
		return err
	})
	return tok, err
}

// Binding returns a workspace's binding; ok is false when it is not connected.
func (s *Store) Binding(ws uuid.UUID) (b Binding, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		cb, err := connectedBucket(tx, ws)
		if err != nil || cb == nil {
			return err
		}
		raw := cb.Get(keyBinding)
		if raw == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(raw, &b)
	})
	return b, ok, err
}

// CheckDesignEditable returns an error wrapping ErrConnected when ws is
// connected to a server: bound on this device, or known to be connected
// from the design data (a peer's connection). ApplyDesign and PutTool
// refuse local design edits with it; the designer calls it to show itself
// read-only and say why.
func (s *Store) CheckDesignEditable(ws uuid.UUID) error {
	_, bound, err := s.Binding(ws)
	if err != nil {
		return err
	}
	c, connected, err := s.Connection(ws)
	if err != nil {
		return err
	}
	switch {
	case connected:
		return fmt.Errorf("workspace %s (server %s): %w", ws, c.Device.Short(), ErrConnected)
	case bound:
		return fmt.Errorf("workspace %s: %w", ws, ErrConnected)
	}
	return nil
}

func serverKnowledge(cb *bolt.Bucket) (*knowledge.Knowledge, error) {
	if cb == nil || cb.Get(keyServerKnown) == nil {
		return knowledge.New(), nil
	}
	return knowledge.Parse(cb.Get(keyServerKnown))
}

// VersionRef names a version portably.
type VersionRef struct {
	Replica uuid.UUID
	Device  identity.DeviceID
	Tick    uint64
	HLC     HLC
}

// PendingField is a field whose value the server has not seen: the winning
// value, its version and the context it was made in (replica -> highest
// tick it superseded).
type PendingField struct {
	Field  uuid.UUID
	Value  schema.Value
	Origin VersionRef
	Seen   map[uuid.UUID]uint64
}

// PendingRecord is a record whose winning versions the server has not seen.
type PendingRecord struct {
	ID      uuid.UUID
	Tool    uuid.UUID
	Alive   bool
	Created HLC
	Creator identity.DeviceID
	// Existence is set when the existence unit is pending (a create, delete
	// or restore); then Fields holds every field, pending or not.
	Existence *VersionRef
	Fields    []PendingField
	// Versions are the unseen winning versions the push covers, for
	// Acknowledge and MarkRefused.
	Versions []VersionRef
}

// ServerPending returns up to max records of a tool with versions the
// server has not seen, in log order. Cost grows with the pending changes.
func (s *Store) ServerPending(ws, tool uuid.UUID, max int) ([]PendingRecord, error) {
	var out []PendingRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		cb, _ := connectedBucket(tx, ws)
		sk, err := serverKnowledge(cb)
		if err != nil {
			return err
		}
		mine, err := st.knowledge()
		if err != nil {
			return err
		}
		rc := newReplicaCache(st.ws)
		seen := map[uuid.UUID]bool{}
		c := st.log.Cursor()
		for _, r := range mine.Replicas() {
			prefix := binary.BigEndian.AppendUint32(nil, r)
			for k, v := c.Seek(logKey(r, sk.Prefix(r)+1)); k != nil && bytes.HasPrefix(k, prefix) && len(out) < max; k, v = c.Next() {
				id := uuid.UUID(v)
				if sk.Contains(r, binary.BigEndian.Uint64(k[4:])) || seen[id] {
					continue
				}
				seen[id] = true
				it, err := st.getItem(id)
				if err != nil || it == nil {
					return err
				}
				pr, ok, err := pendingOf(it, sk, rc, tool)
				if err != nil {
					return err
				}
				if ok {
					out = append(out, pr)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("server pending: %w", err)
	}
	return out, nil
}

func pendingOf(it *item, sk *knowledge.Knowledge, rc *replicaCache, tool uuid.UUID) (PendingRecord, bool, error) {
	ex, err := itemExistence(it)
	if err != nil || ex.tool != tool {
		return PendingRecord{}, false, err
	}
	pr := PendingRecord{ID: it.id, Tool: ex.tool, Alive: ex.alive, Created: ex.created, Creator: ex.creator}
	if exu := it.unit(existenceUnit); isPending(exu, sk) {
		ref, err := toVersionRef(rc, exu.versions[0])
		if err != nil {
			return pr, false, err
		}
		pr.Existence = &ref
		pr.Versions = append(pr.Versions, ref)
	}
	for i := range it.units {
		u := &it.units[i]
		if u.id == existenceUnit {
			continue
		}
		pending := isPending(u, sk)
		if !pending && pr.Existence == nil {
			continue
		}
		pf, err := pendingField(u, rc)
		if err != nil {
			return pr, false, err
		}
		if pending {
			pr.Versions = append(pr.Versions, pf.Origin)
		}
		pr.Fields = append(pr.Fields, pf)
	}
	return pr, len(pr.Versions) > 0, nil
}

// isPending reports whether a unit's winning version is one the server has
// not seen. Losing versions are not pushed: they wait, as conflicts, for a
// person to resolve them, which makes a new winner.
func isPending(u *unit, sk *knowledge.Knowledge) bool {
	return u != nil && !sk.Contains(u.versions[0].replica, u.versions[0].tick)
}

func toVersionRef(rc *replicaCache, v version) (VersionRef, error) {
	ref, err := rc.ref(v.replica)
	if err != nil {
		return VersionRef{}, err
	}
	return VersionRef{Replica: ref.ID, Device: ref.Device, Tick: v.tick, HLC: v.hlc}, nil
}

func pendingField(u *unit, rc *replicaCache) (PendingField, error) {
	win := u.versions[0]
	val, err := decodeValue(win.value)
	if err != nil {
		return PendingField{}, err
	}
	origin, err := toVersionRef(rc, win)
	if err != nil {
		return PendingField{}, err
	}
	pf := PendingField{Field: u.id, Value: val, Origin: origin, Seen: map[uuid.UUID]uint64{origin.Replica: win.tick}}
	// What the winner superseded: the explicit context, not the versions
	// still concurrent with it.
	for _, d := range u.ctx {
		r, t := d.replica, d.tick
		ref, err := rc.ref(r)
		if err != nil {
			return pf, err
		}
		pf.Seen[ref.ID] = t
	}
	return pf, nil
}

// Acknowledge records that the server has seen versions (accepted them, or
// holds them from another route).
func (s *Store) Acknowledge(ws uuid.UUID, vs []VersionRef) error {
	if len(vs) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return ackIn(tx, ws, vs)
	})
}

func ackIn(tx *bolt.Tx, ws uuid.UUID, vs []VersionRef) error {
	wb, err := workspaceBucket(tx, ws)
	if err != nil {
		return err
	}
	cb, err := connectedBucket(tx, ws)
	if err != nil {
		return err
	}
	sk, err := serverKnowledge(cb)
	if err != nil {
		return err
	}
	for _, v := range vs {
		key, err := replicaKey(wb, ReplicaRef{ID: v.Replica, Device: v.Device})
		if err != nil {
			return err
		}
		sk.Add(key, v.Tick)
	}
	b, err := sk.MarshalBinary()
	if err != nil {
		return err
	}
	return cb.Put(keyServerKnown, b)
}

// AcknowledgeRange records that the server has seen every version of
// replica r up to tick (its own stamps, after a complete pull).
func (s *Store) AcknowledgeRange(ws uuid.UUID, r ReplicaRef, tick uint64) error {
	if tick == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		cb, err := connectedBucket(tx, ws)
		if err != nil {
			return err
		}
		key, err := replicaKey(wb, r)
		if err != nil {
			return err
		}
		sk, err := serverKnowledge(cb)
		if err != nil {
			return err
		}
		sk.AddRange(key, 1, tick)
		b, err := sk.MarshalBinary()
		if err != nil {
			return err
		}
		return cb.Put(keyServerKnown, b)
	})
}

// MarkRefused marks versions of a record refused by the server, keeps the
// reason, and records that the server has seen them (they are not pushed
// again). The versions stay: a refused change is never deleted. The mark
// travels to peers with the versions (a version flag), next time the unit
// syncs: the server's re-stamped values (ApplyServer) make it sync.
func (s *Store) MarkRefused(ws, record uuid.UUID, vs []VersionRef, reason string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		it, err := st.getItem(record)
		if err != nil || it == nil {
			return err
		}
		keys := map[versionRef]bool{}
		for _, v := range vs {
			k, err := replicaKey(st.ws, ReplicaRef{ID: v.Replica, Device: v.Device})
			if err != nil {
				return err
			}
			keys[versionRef{k, v.Tick}] = true
		}
		rb := st.ws.Bucket(wsRefused)
		for i := range it.units {
			u := &it.units[i]
			for j := range u.versions {
				v := &u.versions[j]
				if !keys[versionRef{v.replica, v.tick}] {
					continue
				}
				v.flags |= flagRefused
				if err := rb.Put(refusedKey(st.scope, record, u.id, v.replica, v.tick), []byte(reason)); err != nil {
					return err
				}
			}
		}
		before := it.refs(nil)
		if _, err := st.putItem(it, before, nil); err != nil {
			return err
		}
		return ackIn(tx, ws, vs)
	})
	if err != nil {
		return fmt.Errorf("mark refused: %w", err)
	}
	return nil
}

func refusedKey(sc Scope, item, u uuid.UUID, r uint32, t uint64) []byte {
	k := make([]byte, 0, 45)
	k = append(k, byte(sc))
	k = append(k, item[:]...)
	k = append(k, u[:]...)
	k = binary.BigEndian.AppendUint32(k, r)
	return binary.BigEndian.AppendUint64(k, t)
}

// RefusedChange is a version the server refused, kept in the replica.
type RefusedChange struct {
	Record uuid.UUID
	// Field is the field, or uuid.Nil for the record's existence (a
	// refused create, delete or restore).
	Field   uuid.UUID
	Version VersionInfo
	Value   schema.Value
	// Reason is the server's, when this replica was told; a refusal
	// reported to another member arrives as the mark alone.
	Reason string
}

// RefusedChanges lists the refused versions a workspace's records hold.
func (s *Store) RefusedChanges(ws uuid.UUID) ([]RefusedChange, error) {
	var out []RefusedChange
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		rc := newReplicaCache(st.ws)
		rb := st.ws.Bucket(wsRefused)
		// Every record is scanned: a diagnostic listing, not a hot path.
		return st.items.ForEach(func(k, raw []byte) error {
			it, err := decodeItem(uuid.UUID(k), raw, false)
			if err != nil {
				return err
			}
			for _, u := range it.units {
				for _, v := range u.versions {
					if v.flags&flagRefused == 0 {
						continue
					}
					info, err := rc.info(v)
					if err != nil {
						return err
					}
					r := RefusedChange{Record: it.id, Field: u.id, Version: info,
						Reason: string(rb.Get(refusedKey(ScopeData, it.id, u.id, v.replica, v.tick)))}
					if u.id != existenceUnit {
						r.Value, _ = decodeValue(v.value)
					}
					out = append(out, r)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list refused changes: %w", err)
	}
	return out, nil
}

// ServerVersion is one unit's value as the server holds it, with the version
// it carries on every client: the Grove version it came from, or the
// server's own stamp.
type ServerVersion struct {
	Field  uuid.UUID // uuid.Nil: the existence unit
	Value  schema.Value
	Alive  bool // existence only
	Origin VersionRef
}

// ServerRecord is a record as the server holds it.
type ServerRecord struct {
	ID      uuid.UUID
	Tool    uuid.UUID
	Created HLC
	Creator identity.DeviceID
	Units   []ServerVersion
}

// ApplyServer merges records pulled from the server, as a sync batch from
// the server device (which must be a member): each unit gets the server's
// version; local versions the server has seen (and not refused) are
// superseded by it, the others stay concurrent — a conflict the
// deterministic winner decides, which the server's clock makes the server's
// for versions it saw. A version already held is not applied twice, so the
// same change arriving by the server and by a peer is one version. The
// versions applied become server knowledge.
func (s *Store) ApplyServer(ws uuid.UUID, from identity.DeviceID, recs []ServerRecord) (ApplyResult, error) {
	b, acks, err := s.serverBatch(ws, recs)
	if err != nil || len(b.Items) == 0 {
		return ApplyResult{}, err
	}
	res, err := s.Apply(ws, ScopeData, from, b)
	if err != nil {
		return res, err
	}
	return res, s.Acknowledge(ws, acks)
}

// serverBatch translates server records into a sync batch.
func (s *Store) serverBatch(ws uuid.UUID, recs []ServerRecord) (*Batch, []VersionRef, error) {
	b := &Batch{}
	var acks []VersionRef
	idx := map[uuid.UUID]uint32{}
	ref := func(v VersionRef) uint32 {
		if i, ok := idx[v.Replica]; ok {
			return i
		}
		idx[v.Replica] = uint32(len(b.Replicas))
		b.Replicas = append(b.Replicas, ReplicaRef{ID: v.Replica, Device: v.Device})
		return idx[v.Replica]
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		cb, _ := connectedBucket(tx, ws)
		sk, err := serverKnowledge(cb)
		if err != nil {
			return err
		}
		rc := newReplicaCache(st.ws)
		for _, r := range recs {
			cur, err := st.getItem(r.ID)
			if err != nil {
				return err
			}
			if cur == nil && !hasAliveExistence(r) {
				continue // never held here, and not alive on the server
			}
			ic := ItemChange{ID: r.ID}
			units := slices.Clone(r.Units)
			slices.SortFunc(units, func(a, b ServerVersion) int { return bytes.Compare(a.Field[:], b.Field[:]) })
			for _, sv := range units {
				var val []byte
				if sv.Field == existenceUnit {
					val = existence{alive: sv.Alive, tool: r.Tool, created: r.Created, creator: r.Creator}.encode()
					if cur != nil {
						if ex, err := itemExistence(cur); err == nil {
							val = existence{alive: sv.Alive, tool: ex.tool, created: ex.created, creator: ex.creator}.encode()
						}
					}
				} else {
					val = encodeValue(sv.Value)
				}
				uc := UnitChange{ID: sv.Field, Versions: []VersionData{{Replica: ref(sv.Origin), Tick: sv.Origin.Tick, HLC: sv.Origin.HLC, Value: val}}}
				if cur != nil {
					if u := cur.unit(sv.Field); u != nil {
						for _, v := range u.versions {
							if v.flags&flagRefused != 0 || !sk.Contains(v.replica, v.tick) {
								continue // refused or unseen by the server: stays concurrent
							}
							vr, err := toVersionRef(rc, v)
							if err != nil {
								return err
							}
							if vr.Replica == sv.Origin.Replica && v.tick >= sv.Origin.Tick {
								continue
							}
							uc.Context = append(uc.Context, Dot{Replica: ref(vr), Tick: v.tick})
						}
					}
				}
				slices.SortFunc(uc.Context, func(a, b Dot) int { return int(a.Replica) - int(b.Replica) })
				ic.Units = append(ic.Units, uc)
				acks = append(acks, sv.Origin)
			}
			if len(ic.Units) > 0 {
				b.Items = append(b.Items, ic)
			}
		}
		return nil
	})
	return b, acks, err
}

func hasAliveExistence(r ServerRecord) bool {
	for _, u := range r.Units {
		if u.Field == existenceUnit {
			return u.Alive
		}
	}
	return false
}
