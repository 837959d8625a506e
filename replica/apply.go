package replica

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/replica/knowledge"
	bolt "go.etcd.io/bbolt"
)

// ApplyResult counts what one applied batch did.
type ApplyResult struct {
	// Applied is the number of versions added.
	Applied int
	// Conflicts is the number of units left with concurrent versions.
	Conflicts int
	// DesignsRefused is the number of design items refused because this
	// replica's records do not fit the design they bring (recorded as
	// design rejections, source "peer"; see design_peer.go). Their
	// versions are not known here, so the next sync offers them again.
	DesignsRefused int
}

// Apply applies one batch from a source in one transaction. For every
// incoming unit it keeps each local version the source has not seen and
// each incoming version this replica has not seen; versions left concurrent
// are a conflict: the winner (highest HLC, then replica ID) is shown, the
// losers kept. Knowledge grows by exactly the versions applied. A batch that
// fails to decode or validate is refused whole: nothing is written. In the
// design scope, an item that changes a tool goes through the safe design
// change first; one whose design this replica's records do not fit is
// refused alone and counted in DesignsRefused (design_peer.go).
//
// from is the device the batch comes from (proven by TLS). Versions it made
// itself need its role to allow them (records: participant, designs and
// memberships: manager); versions it forwards from other devices need their
// author to be named in the membership, which syncs before the data.
func (s *Store) Apply(ws uuid.UUID, sc Scope, from identity.DeviceID, b *Batch) (ApplyResult, error) {
	var res ApplyResult
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, sc)
		if err != nil {
			return err
		}
		a, err := st.newApplier(b)
		if err != nil {
			return err
		}
		a.from = from
		for i := range b.Items {
			if err := a.item(&b.Items[i]); err != nil {
				return fmt.Errorf("item %s: %w", b.Items[i].ID, err)
			}
		}
		a.finish()
		res = a.res
		if a.maxHLC != 0 {
			s.clock.Observe(a.maxHLC)
			st.lastHLC = s.clock.Now() // persisted, so a restart keeps the order
		}
		return st.flush()
	})
	if err != nil {
		return ApplyResult{}, fmt.Errorf("apply batch: %w", err)
	}
	return res, nil
}

// applier holds one batch's translation tables inside a transaction.
type applier struct {
	st      *scopeTx
	keys    []uint32
	mine    *knowledge.Knowledge
	added   *knowledge.Knowledge // versions applied by this batch
	rc      *replicaCache
	res     ApplyResult
	maxHLC  HLC
	buf     []byte
	records bool
	allowed map[uint32]error // role check per replica key, this batch
	from    identity.DeviceID
	marks   []conflictMark // conflict index changes of the design item being merged
}

func (st *scopeTx) newApplier(b *Batch) (*applier, error) {
	keys, err := localKeys(st.ws, b.Replicas, true)
	if err != nil {
		return nil, err
	}
	mine, err := st.knowledge()
	if err != nil {
		return nil, err
	}
	if st.scope == ScopeData {
		st.items.FillPercent = 0.9
		st.ws.Bucket(wsByTool).FillPercent = 0.9
	}
	return &applier{st: st, keys: keys, mine: mine, added: knowledge.New(),
		rc: newReplicaCache(st.ws), records: st.scope == ScopeData, allowed: map[uint32]error{}}, nil
}

// authorize checks that the author of a new version may make it: records
// need a participant, designs and memberships a manager. Enforced here, on
// every replica, not only in the author's UI.
func (a *applier) authorize(replica uint32) error {
	if err, ok := a.allowed[replica]; ok {
		return err
	}
	ref, err := a.rc.ref(replica)
	if err != nil {
		return err
	}
	min := RoleManager
	if a.records {
		min = RoleParticipant
	}
	if ref.Device != a.from {
		min = RoleGuest // forwarded: the author must be a member
	}
	err = a.st.requireRole(ref.Device, min)
	a.allowed[replica] = err
	return err
}

// incoming converts a unit change to a local unit after checking it.
func (a *applier) incoming(uc *UnitChange) (*unit, error) {
	if len(uc.Versions) == 0 || len(uc.Versions) > MaxVersionsPerUnit || len(uc.Context) > maxDots {
		return nil, fmt.Errorf("unit %s: %d versions, %d context entries: %w", uc.ID, len(uc.Versions), len(uc.Context), ErrInvalidInput)
	}
	u := &unit{id: uc.ID}
	for _, d := range uc.Context {
		if int(d.Replica) >= len(a.keys) || d.Tick == 0 {
			return nil, fmt.Errorf("unit %s: bad context entry: %w", uc.ID, ErrInvalidInput)
		}
		u.ctx = append(u.ctx, dot{a.keys[d.Replica], d.Tick})
	}
	out := make([]version, len(uc.Versions))
	for i, v := range uc.Versions {
		if int(v.Replica) >= len(a.keys) || v.Tick == 0 || len(v.Value) > MaxValueBytes {
			return nil, fmt.Errorf("unit %s version %d: bad replica, tick or size: %w", uc.ID, i, ErrInvalidInput)
		}
		if err := a.checkValue(uc.ID, v.Value); err != nil {
			return nil, fmt.Errorf("unit %s: %w", uc.ID, err)
		}
		var flags uint8
		if v.Refused {
			flags = flagRefused
		}
		// Values alias the batch, which outlives this transaction's writes:
		// items are re-encoded into fresh buffers before Put.
		out[i] = version{replica: a.keys[v.Replica], tick: v.Tick, hlc: v.HLC, flags: flags, value: v.Value}
		if findVersionOf(out[:i], out[i].replica) >= 0 {
			return nil, fmt.Errorf("unit %s: two versions of one replica: %w", uc.ID, ErrInvalidInput)
		}
		if v.HLC > a.maxHLC {
			a.maxHLC = v.HLC
		}
	}
	u.versions = out
	return u, nil
}

func findVersionOf(vs []version, r uint32) int {
	for i, v := range vs {
		if v.replica == r {
			return i
		}
	}
	return -1
}

// checkValue refuses values that do not decode in this scope.
func (a *applier) checkValue(u uuid.UUID, val []byte) error {
	switch {
	case a.records && u == existenceUnit:
		_, err := decodeExistence(val)
		return err
	case a.records:
		_, err := decodeValue(val)
		return err
	}
	return checkDesignUnit(u, val)
}

// item merges one incoming item.
func (a *applier) item(ic *ItemChange) error {
	if len(ic.Units) == 0 || len(ic.Units) > MaxUnitsPerItem {
		return fmt.Errorf("%d units: %w", len(ic.Units), ErrInvalidInput)
	}
	cur, err := a.st.getItem(ic.ID)
	if err != nil {
		return err
	}
	fresh := cur == nil
	if fresh {
		cur = &item{id: ic.ID}
	}
	var design *designApply
	if !a.records {
		design = a.beginDesign()
	}
	before := cur.refs(nil)
	var oldEx *existence
	if !fresh && a.records {
		ex, err := itemExistence(cur)
		if err != nil {
			return err
		}
		oldEx = &ex
	}
	changed := false
	for i := range ic.Units {
		uc := &ic.Units[i]
		if i > 0 && bytes.Compare(ic.Units[i-1].ID[:], uc.ID[:]) >= 0 {
			return fmt.Errorf("units out of order: %w", ErrInvalidInput)
		}
		in, err := a.incoming(uc)
		if err != nil {
			return err
		}
		c, err := a.unit(cur, in)
		if err != nil {
			return err
		}
		changed = changed || c
	}
	if design != nil {
		// Design-scope items are decided here, before anything of them is
		// written: an unchanged item is accepted as is (nothing to plan).
		accepted := true
		if changed {
			if accepted, err = a.acceptDesign(cur); err != nil {
				return err
			}
		}
		if err := a.endDesign(design, accepted); err != nil {
			return err
		}
		if !accepted {
			return nil
		}
	}
	if !changed {
		return nil
	}
	if a.records && cur.unit(existenceUnit) == nil {
		return fmt.Errorf("record without existence unit: %w", ErrInvalidInput)
	}
	if !a.records {
		if err := a.checkConnectedDesign(cur); err != nil { // connected mode: the server's design only
			return err
		}
	}
	if a.buf, err = a.st.putItem(cur, before, a.buf); err != nil {
		return err
	}
	if !a.records {
		// A membership may have changed: decide roles afresh.
		clear(a.allowed)
	}
	if a.records {
		ex, err := itemExistence(cur)
		if err != nil {
			return err
		}
		if oldEx == nil || *oldEx != ex {
			if err := a.st.indexRemoteExistence(ic.ID, oldEx, ex); err != nil {
				return err
			}
		}
	}
	return nil
}

// unit merges an incoming unit into cur and reports whether it changed. A
// version survives unless the other side's context has seen it and the other
// side no longer holds it: then it was superseded there. Versions left are
// concurrent: a conflict, winner first.
func (a *applier) unit(cur *item, in *unit) (bool, error) {
	local := cur.unit(in.id)
	if local == nil {
		return a.newUnit(cur, in)
	}
	lctx, ictx := local.context(), in.context()
	merged := make([]version, 0, len(local.versions)+len(in.versions))
	changed := false
	for _, d := range local.versions {
		j := findVersion(in.versions, d.replica, d.tick)
		switch {
		case j >= 0:
			if in.versions[j].flags&^d.flags != 0 { // a refusal mark arrived
				d.flags |= in.versions[j].flags
				changed = true
			}
			merged = append(merged, d)
		case covers(ictx, d.replica, d.tick):
			changed = true // superseded at the source
		default:
			merged = append(merged, d)
		}
	}
	for _, s := range in.versions {
		a.added.Add(s.replica, s.tick)
		if findVersion(local.versions, s.replica, s.tick) >= 0 || covers(lctx, s.replica, s.tick) {
			continue
		}
		if err := a.authorize(s.replica); err != nil {
			return false, fmt.Errorf("unit %s: %w", in.id, err)
		}
		merged = append(merged, s)
		a.res.Applied++
		changed = true
	}
	full := lctx
	for r, t := range ictx {
		if t > full[r] {
			full[r] = t
			changed = true
		}
	}
	if !changed {
		return false, nil
	}
	if len(merged) == 0 || len(merged) > MaxVersionsPerUnit {
		return false, fmt.Errorf("unit %s: merge left %d versions: %w", in.id, len(merged), ErrInvalidInput)
	}
	if err := sortVersions(merged, a.rc); err != nil {
		return false, err
	}
	hadConflict := len(local.versions) > 1
	nu := unit{id: in.id, versions: merged}
	nu.setContext(full)
	cur.setUnit(nu)
	switch {
	case len(merged) > 1:
		a.res.Conflicts++
		if err := a.conflict(cur.id, in.id, true); err != nil {
			return false, err
		}
	case hadConflict:
		if err := a.conflict(cur.id, in.id, false); err != nil {
			return false, err
		}
	}
	return true, nil
}

// newUnit takes an incoming unit this replica has never held: every version
// is new unless our knowledge says we saw and superseded it (the unit's
// item may still be new here while its versions are known, after a partial
// session).
func (a *applier) newUnit(cur *item, in *unit) (bool, error) {
	merged := in.versions[:0:0]
	for _, s := range in.versions {
		a.added.Add(s.replica, s.tick)
		if a.mine.Contains(s.replica, s.tick) {
			continue
		}
		if err := a.authorize(s.replica); err != nil {
			return false, fmt.Errorf("unit %s: %w", in.id, err)
		}
		merged = append(merged, s)
		a.res.Applied++
	}
	if len(merged) == 0 {
		return false, nil
	}
	if err := sortVersions(merged, a.rc); err != nil {
		return false, err
	}
	nu := unit{id: in.id, versions: merged}
	if len(in.ctx) > 0 || len(merged) != len(in.versions) {
		// Normalize: sorted by local key, no entry a version implies.
		nu.setContext(in.context())
	}
	cur.setUnit(nu)
	if len(merged) > 1 {
		a.res.Conflicts++
		return true, a.conflict(cur.id, in.id, true)
	}
	return true, nil
}

func findVersion(vs []version, r uint32, t uint64) int {
	for i, v := range vs {
		if v.replica == r && v.tick == t {
			return i
		}
	}
	return -1
}

// sortVersions orders concurrent versions winner first: highest HLC, then
// highest replica ID, the same on every replica.
func sortVersions(vs []version, rc *replicaCache) error {
	if len(vs) < 2 {
		return nil
	}
	ids := make(map[uint32]uuid.UUID, len(vs))
	for _, v := range vs {
		ref, err := rc.ref(v.replica)
		if err != nil {
			return err
		}
		ids[v.replica] = ref.ID
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].hlc != vs[j].hlc {
			return vs[i].hlc > vs[j].hlc
		}
		if vs[i].replica != vs[j].replica {
			a, b := ids[vs[i].replica], ids[vs[j].replica]
			return bytes.Compare(a[:], b[:]) > 0
		}
		return vs[i].tick > vs[j].tick
	})
	return nil
}

// indexRemoteExistence updates the by-tool index and tombstones after a
// record's winning existence changed through sync.
func (st *scopeTx) indexRemoteExistence(id uuid.UUID, old *existence, ex existence) error {
	if old != nil && old.tool != ex.tool {
		if err := st.ws.Bucket(wsByTool).Delete(toolKey(old.tool, id)); err != nil {
			return err
		}
	}
	return st.indexExistence(id, ex)
}

// finish adds the batch's versions to the scope's knowledge: each was
// applied or is known to be superseded here.
func (a *applier) finish() {
	if !a.mine.Covers(a.added) {
		a.mine.Merge(a.added)
		a.st.knowDirty = true
	}
}
