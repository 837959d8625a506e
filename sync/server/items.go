package server

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema/wireform"
	bolt "go.etcd.io/bbolt"
)

// MaxBatch bounds the updates of one batch.
const MaxBatch = 1000

// BatchReply is the sync report of a batch: one result per update, in order,
// and the change token after the batch.
type BatchReply struct {
	Results []Result `json:"results"`
	Token   string   `json:"token"`
}

// ApplyBatch applies a batch of updates to a list as user u, in one
// transaction. Each update is validated on its own: a refused one is kept in
// the list's refused changes with its reason and does not stop the others.
// It may run twice with the same updates (a client retrying after a lost
// reply): creates are found again by key, equal values change nothing, and
// a refusal is recorded once per change ID.
func (s *Store) ApplyBatch(u User, ref string, ups []Update) (BatchReply, error) {
	if len(ups) > MaxBatch {
		return BatchReply{}, fmt.Errorf("batch of %d updates, at most %d: %w", len(ups), MaxBatch, ErrInvalid)
	}
	var rep BatchReply
	err := s.db.Update(func(tx *bolt.Tx) error {
		l, err := listIn(tx, ref)
		if err != nil {
			return err
		}
		p := permOf(tx, u, l.ID)
		if p&PermRead == 0 {
			return fmt.Errorf("list %q: %w", l.Name, ErrNotFound)
		}
		w := &writer{s: s, tx: tx, lb: tx.Bucket(listBucket(l.ID)), l: l, u: u, perm: p}
		rep.Results = make([]Result, len(ups))
		for i := range ups {
			if rep.Results[i], err = w.apply(&ups[i]); err != nil {
				return fmt.Errorf("update %d: %w", i+1, err)
			}
		}
		rep.Token = strconv.FormatInt(currentToken(tx), 10)
		return s.saveHLC(tx)
	})
	if err != nil {
		return BatchReply{}, fmt.Errorf("batch: %w", err)
	}
	return rep, nil
}

func (s *Store) saveHLC(tx *bolt.Tx) error {
	s.mu.Lock()
	h := s.lastHLC
	s.mu.Unlock()
	return tx.Bucket(bMeta).Put(kHLC, u64(h))
}

// writer applies updates to one list inside a transaction.
type writer struct {
	s    *Store
	tx   *bolt.Tx
	lb   *bolt.Bucket
	l    *List
	u    User
	perm Perm
}

// refusal is a rule violation: the update is refused, not failed.
type refusal struct{ code, reason string }

func refuse(code, format string, args ...any) *refusal {
	return &refusal{code: code, reason: fmt.Sprintf(format, args...)}
}

// apply handles one update. Errors are storage failures; rule violations
// come back as refused results.
func (w *writer) apply(up *Update) (Result, error) {
	res := Result{Key: up.Key, ID: up.ID}
	cur, rf, err := w.find(up)
	if err != nil {
		return res, err
	}
	if cur != nil {
		res.Key, res.ID = cur.Key, cur.ID
	}
	if rf == nil {
		rf = w.check(up, cur)
	}
	if rf == nil {
		var next *Item
		next, rf, err = w.merge(up, cur)
		if err != nil {
			return res, err
		}
		if rf == nil && next == nil {
			res.Status = StatusAccepted // deleting what the server never held
			return res, nil
		}
		if rf == nil {
			if next != cur {
				if err := w.write(cur, next); err != nil {
					return res, err
				}
			}
			res.Status, res.ID, res.Key, res.Item = StatusAccepted, next.ID, next.Key, next
			return res, nil
		}
	}
	res.Status, res.Code, res.Reason = StatusRefused, rf.code, rf.reason
	if res.Item, err = w.refused(up, cur, rf); err != nil {
		return res, err
	}
	if res.Item != nil {
		res.ID, res.Key = res.Item.ID, res.Item.Key
	}
	return res, nil
}

// find returns the item an update names, nil for a create.
func (w *writer) find(up *Update) (*Item, *refusal, error) {
	if up.Key != "" {
		k, err := uuid.Parse(up.Key)
		if err != nil || k.String() != up.Key {
			return nil, refuse(CodeInvalid, "key %q is not a lower-case UUID", up.Key), nil
		}
		if id := w.lb.Bucket(lKeys).Get(k[:]); id != nil {
			it, err := w.item(int64(binary.BigEndian.Uint64(id)))
			if err == nil && up.ID != 0 && up.ID != it.ID {
				return nil, refuse(CodeInvalid, "key %s names item %d, not %d", up.Key, it.ID, up.ID), nil
			}
			return it, nil, err
		}
	}
	if up.ID != 0 {
		it, err := w.item(up.ID)
		if it == nil && err == nil {
			return nil, refuse(CodeNotFound, "no item %d in list %q", up.ID, w.l.Name), nil
		}
		return it, nil, err
	}
	if up.Key == "" {
		return nil, refuse(CodeInvalid, "an update needs a key or an id"), nil
	}
	return nil, nil, nil
}

func (w *writer) item(id int64) (*Item, error) {
	var it Item
	ok, err := getJSON(w.lb.Bucket(lItems), u64(uint64(id)), &it)
	if !ok || err != nil {
		return nil, err
	}
	return &it, nil
}

// check validates permissions and the values' forms.
func (w *writer) check(up *Update, cur *Item) *refusal {
	if w.perm&PermEdit == 0 {
		return refuse(CodePermission, "user %q may not edit list %q", w.u.Name, w.l.Name)
	}
	if up.Delete {
		return nil
	}
	for name, v := range up.Values {
		f, ok := w.l.Field(name)
		if !ok {
			return refuse(CodeInvalid, "list %q has no field %q", w.l.Name, name)
		}
		if err := wireform.Check(f.Kind, v); err != nil {
			return refuse(CodeInvalid, "field %s: %v", name, err)
		}
		if rf := w.checkChoices(f, v); rf != nil {
			return rf
		}
		if f.Kind == wireform.Person && v != "" {
			if rf := w.checkPerson(f, v); rf != nil {
				return rf
			}
		}
	}
	return nil
}

func (w *writer) checkChoices(f *Field, v string) *refusal {
	var items []string
	switch {
	case v == "":
		return nil
	case f.Kind == wireform.Choice:
		items = []string{v}
	case f.Kind == wireform.MultiChoice:
		items, _ = wireform.ParseMultiChoice(v)
	}
	for _, it := range items {
		if !slices.Contains(f.Choices, it) {
			return refuse(CodeInvalid, "field %s: %q is not one of %s", f.Internal, it, strings.Join(f.Choices, ", "))
		}
	}
	return nil
}

func (w *writer) checkPerson(f *Field, v string) *refusal {
	p, _ := wireform.ParsePerson(v)
	var u User
	ok, err := getJSON(w.tx.Bucket(bUsers), u64(uint64(p.ID)), &u)
	if err != nil || !ok {
		return refuse(CodeInvalid, "field %s: no user %d", f.Internal, p.ID)
	}
	if u.Person() != v {
		return refuse(CodeInvalid, "field %s: user %d is %s, not %q", f.Internal, p.ID, u.Person(), v)
	}
	return nil
}

// merge computes the item after an update, or a refusal. It returns cur
// itself when nothing changes.
func (w *writer) merge(up *Update, cur *Item) (*Item, *refusal, error) {
	alive := cur != nil && !cur.Deleted
	if up.Delete {
		if !alive {
			return cur, nil, nil // deleting the deleted or the unknown: done
		}
		next := cloneItem(cur)
		next.Deleted = true
		return next, nil, w.stamp(up, cur, next, false)
	}
	var next *Item
	switch {
	case cur == nil:
		next = &Item{Key: up.Key, Values: map[string]string{}, Fields: map[string]FieldState{}}
	case cur.Deleted && (cur.RefusedCreate || up.Origins[""].Replica != ""):
		next = cloneItem(cur) // a create resubmitted, or a restore
		next.Deleted, next.RefusedCreate = false, false
	case cur.Deleted:
		return nil, refuse(CodeNotFound, "item %d was deleted on the server", cur.ID), nil
	default:
		next = cloneItem(cur)
	}
	created := !alive
	changed := created
	for name, v := range up.Values {
		if next.Values[name] == v {
			continue // the same change by another route, or a retry
		}
		st := next.Fields[name]
		var o *Origin
		if oo, ok := up.Origins[name]; ok {
			o = &oo
		}
		if !created && conflicts(st, o, up.BaseVersion) {
			return nil, refuse(CodeConflict, "field %s changed on the server (version %d) after this change was made: the server's value wins", name, st.Version), nil
		}
		if v == "" {
			delete(next.Values, name)
		} else {
			next.Values[name] = v
		}
		changed = true
	}
	if !changed {
		return cur, nil, nil
	}
	if rf := w.rules(next, created); rf != nil {
		return nil, rf, nil
	}
	return next, nil, w.stamp(up, cur, next, created)
}

// conflicts reports whether a pushed value was made without knowledge of the
// server's current one.
func conflicts(cur FieldState, o *Origin, base int64) bool {
	if cur.Version == 0 {
		return false
	}
	if o != nil {
		if cur.Origin.Replica == o.Replica && cur.Origin.Tick <= o.Tick {
			return false
		}
		return o.Seen[cur.Origin.Replica] < cur.Origin.Tick
	}
	return base > 0 && cur.Version > base
}

// rules applies the server's own rules to the item an update would leave.
func (w *writer) rules(next *Item, created bool) *refusal {
	for _, f := range w.l.Fields {
		if f.Required && next.Values[f.Internal] == "" {
			return refuse(CodeInvalid, "field %s is required", f.Internal)
		}
	}
	if rf := w.emailDomains(next); rf != nil {
		return rf
	}
	for _, name := range w.l.Rules.Unique {
		v := next.Values[name]
		if v == "" {
			continue
		}
		if id := w.lb.Bucket(lUnique).Get(uniqueKey(name, v)); id != nil && int64(binary.BigEndian.Uint64(id)) != next.ID {
			return refuse(CodeUnique, "field %s: %q is already used by item %d; it must be unique in list %q", name, v, binary.BigEndian.Uint64(id), w.l.Name)
		}
	}
	if max := w.l.Rules.MaxItemsPerUser; created && max > 0 {
		if n := w.owned(w.u.ID); n >= uint64(max) {
			return refuse(CodeQuota, "user %q already has %d items in list %q, the most allowed", w.u.Name, n, w.l.Name)
		}
	}
	return nil
}

func (w *writer) emailDomains(next *Item) *refusal {
	allowed := w.l.Rules.EmailDomains
	if len(allowed) == 0 {
		return nil
	}
	for _, f := range w.l.Fields {
		v := next.Values[f.Internal]
		if v == "" {
			continue
		}
		var domain string
		switch {
		case f.Kind == wireform.Person:
			p, _ := wireform.ParsePerson(v)
			domain = p.Domain()
		case slices.Contains(w.l.Rules.EmailFields, f.Internal):
			domain = wireform.PersonValue{Login: strings.TrimSpace(v)}.Domain()
		default:
			continue
		}
		if !slices.ContainsFunc(allowed, func(d string) bool { return strings.EqualFold(d, domain) }) {
			return refuse(CodeEmailDomain, "field %s: e-mail domain %q is not allowed in list %q (allowed: %s)", f.Internal, domain, w.l.Name, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func uniqueKey(field, v string) []byte { return []byte(field + "\x00" + strings.ToLower(v)) }

func (w *writer) owned(user int64) uint64 {
	if v := w.lb.Bucket(lOwned).Get(u64(uint64(user))); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (w *writer) addOwned(user int64, d int) error {
	n := int64(w.owned(user)) + int64(d)
	return w.lb.Bucket(lOwned).Put(u64(uint64(user)), u64(uint64(max(n, 0))))
}

// serverOrigin is the origin of a value the server stamps itself.
func (w *writer) serverOrigin(token int64, min uint64) Origin {
	return Origin{Replica: ServerReplica(w.s.dev, w.l.ID).String(), Device: w.s.dev.String(), Tick: uint64(token), HLC: w.s.nextHLC(min)}
}

// stamp gives next its new version and the versions of what changed.
func (w *writer) stamp(up *Update, cur, next *Item, created bool) error {
	token, err := nextToken(w.tx)
	if err != nil {
		return err
	}
	var maxHLC uint64
	for _, o := range up.Origins {
		maxHLC = max(maxHLC, o.HLC)
	}
	server := w.serverOrigin(token, maxHLC) // observes the clients' clocks
	now := w.s.now().UTC().Format(time.RFC3339)
	next.Version, next.Modified, next.ModifiedBy = token, now, w.u.ID
	if cur == nil {
		seq, err := w.lb.Bucket(lItems).NextSequence()
		if err != nil {
			return err
		}
		next.ID = int64(seq)
		if next.Key == "" {
			next.Key = uuid.NewSHA1(serverNS, []byte(fmt.Sprintf("%s/%d/%d", w.s.dev, w.l.ID, next.ID))).String()
		}
	}
	if created {
		next.Created, next.CreatedBy = now, w.u.ID
		next.CreatedHLC, next.CreatorDevice = server.HLC, w.s.dev.String()
		if up.CreatedHLC != 0 && up.CreatorDevice != "" {
			next.CreatedHLC, next.CreatorDevice = up.CreatedHLC, up.CreatorDevice
		}
	}
	if created || up.Delete {
		next.Existence = FieldState{Version: token, Origin: originOr(up.Origins, "", server)}
	}
	for name, v := range up.Values {
		if up.Delete || cur != nil && !created && cur.Values[name] == v {
			continue
		}
		next.Fields[name] = FieldState{Version: token, Origin: originOr(up.Origins, name, server)}
	}
	return nil
}

func originOr(m map[string]Origin, k string, def Origin) Origin {
	if o, ok := m[k]; ok && o.Replica != "" && o.Tick > 0 {
		o.Seen = nil // needed for the check only
		return o
	}
	return def
}

func cloneItem(it *Item) *Item {
	c := *it
	c.Values = make(map[string]string, len(it.Values))
	for k, v := range it.Values {
		c.Values[k] = v
	}
	c.Fields = make(map[string]FieldState, len(it.Fields))
	for k, v := range it.Fields {
		c.Fields[k] = v
	}
	return &c
}

// write stores next (which replaces cur) and its indexes and log entry.
func (w *writer) write(cur, next *Item) error {
	log, uniq := w.lb.Bucket(lLog), w.lb.Bucket(lUnique)
	wasAlive := cur != nil && !cur.Deleted
	if cur != nil {
		if err := log.Delete(u64(uint64(cur.Version))); err != nil {
			return err
		}
		for _, name := range w.l.Rules.Unique {
			if v := cur.Values[name]; v != "" && !cur.Deleted {
				if err := uniq.Delete(uniqueKey(name, v)); err != nil {
					return err
				}
			}
		}
	}
	if !next.Deleted {
		for _, name := range w.l.Rules.Unique {
			if v := next.Values[name]; v != "" {
				if err := uniq.Put(uniqueKey(name, v), u64(uint64(next.ID))); err != nil {
					return err
				}
			}
		}
	}
	switch {
	case !wasAlive && !next.Deleted:
		if err := w.addOwned(next.CreatedBy, 1); err != nil {
			return err
		}
	case wasAlive && next.Deleted:
		if err := w.addOwned(next.CreatedBy, -1); err != nil {
			return err
		}
	}
	if err := log.Put(u64(uint64(next.Version)), u64(uint64(next.ID))); err != nil {
		return err
	}
	k, err := uuid.Parse(next.Key)
	if err != nil {
		return fmt.Errorf("item %d key: %w", next.ID, err)
	}
	if err := w.lb.Bucket(lKeys).Put(k[:], u64(uint64(next.ID))); err != nil {
		return err
	}
	return putJSON(w.lb.Bucket(lItems), u64(uint64(next.ID)), next)
}

// refused keeps a refused change and re-stamps the server's state of the
// item, so that on every client the server's values win over the refused
// ones and the refusal travels. It returns the item as the server holds it.
func (w *writer) refused(up *Update, cur *Item, rf *refusal) (*Item, error) {
	if err := w.keepRefused(up, cur, rf); err != nil {
		return nil, err
	}
	if up.Key == "" || rf.code == CodeInvalid && cur == nil && up.Origins == nil {
		return cur, nil // nothing a client could hold to mark
	}
	if _, err := uuid.Parse(up.Key); err != nil && cur == nil {
		return nil, nil
	}
	token, err := nextToken(w.tx)
	if err != nil {
		return nil, err
	}
	var maxHLC uint64
	for _, o := range up.Origins {
		maxHLC = max(maxHLC, o.HLC)
	}
	server := w.serverOrigin(token, maxHLC)
	var next *Item
	if cur == nil {
		// A refused create: keep a tombstone under the key so every client
		// learns that the server does not hold the item.
		next = &Item{Key: up.Key, Deleted: true, RefusedCreate: true, Values: map[string]string{}, Fields: map[string]FieldState{},
			CreatedHLC: up.CreatedHLC, CreatorDevice: up.CreatorDevice, CreatedBy: w.u.ID}
		seq, err := w.lb.Bucket(lItems).NextSequence()
		if err != nil {
			return nil, err
		}
		next.ID = int64(seq)
		next.Existence = FieldState{Version: token, Origin: server}
	} else {
		next = cloneItem(cur)
		if cur.Deleted {
			next.Existence = FieldState{Version: token, Origin: server}
		}
		for name := range up.Values {
			if _, ok := w.l.Field(name); ok {
				next.Fields[name] = FieldState{Version: token, Origin: server}
			}
		}
	}
	next.Version = token
	next.Modified = w.s.now().UTC().Format(time.RFC3339)
	if err := w.write(cur, next); err != nil {
		return nil, err
	}
	return next, nil
}

// keepRefused records a refused change once per change ID.
func (w *writer) keepRefused(up *Update, cur *Item, rf *refusal) error {
	change := up.Change
	if change == "" {
		raw, _ := json.Marshal(up)
		sum := sha256.Sum256(raw)
		change = fmt.Sprintf("%x", sum[:12])
	}
	ids := w.lb.Bucket(lRefusedIDs)
	if ids.Get([]byte(change)) != nil {
		return nil
	}
	b := w.lb.Bucket(lRefused)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	r := Refused{Seq: int64(seq), List: w.l.ID, Key: up.Key, Change: change, User: w.u.ID,
		At: w.s.now().UTC().Format(time.RFC3339), Code: rf.code, Reason: rf.reason, Update: *up}
	if cur != nil {
		r.ItemID = cur.ID
	}
	if err := ids.Put([]byte(change), u64(seq)); err != nil {
		return err
	}
	return putJSON(b, u64(seq), r)
}

// ChangesReply is a page of changes: the items changed after the token
// asked for, each at its latest version, oldest change first. Token is the
// token to ask from next time; More is true when the page was cut by the
// limit.
type ChangesReply struct {
	Items []Item `json:"items"`
	Token string `json:"token"`
	More  bool   `json:"more"`
}

// Changes returns a list's changes after token since (0: from the start).
func (s *Store) Changes(u User, ref string, since int64, limit int) (ChangesReply, error) {
	if limit <= 0 || limit > MaxBatch {
		limit = MaxBatch
	}
	rep := ChangesReply{Items: []Item{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		l, err := listIn(tx, ref)
		if err != nil {
			return err
		}
		if permOf(tx, u, l.ID)&PermRead == 0 {
			return fmt.Errorf("list %q: %w", l.Name, ErrNotFound)
		}
		lb := tx.Bucket(listBucket(l.ID))
		c := lb.Bucket(lLog).Cursor()
		last := since
		for k, v := c.Seek(u64(uint64(since + 1))); k != nil; k, v = c.Next() {
			if len(rep.Items) == limit {
				rep.More = true
				break
			}
			var it Item
			if _, err := getJSON(lb.Bucket(lItems), v, &it); err != nil {
				return err
			}
			rep.Items = append(rep.Items, it)
			last = int64(binary.BigEndian.Uint64(k))
		}
		if !rep.More {
			last = max(last, currentToken(tx))
		}
		rep.Token = strconv.FormatInt(last, 10)
		return nil
	})
	if err != nil {
		return ChangesReply{}, fmt.Errorf("changes: %w", err)
	}
	return rep, nil
}

// GetItem returns one item by ID.
func (s *Store) GetItem(u User, ref string, id int64) (Item, error) {
	var it Item
	err := s.db.View(func(tx *bolt.Tx) error {
		l, err := listIn(tx, ref)
		if err != nil {
			return err
		}
		if permOf(tx, u, l.ID)&PermRead == 0 {
			return fmt.Errorf("list %q: %w", l.Name, ErrNotFound)
		}
		ok, err := getJSON(tx.Bucket(listBucket(l.ID)).Bucket(lItems), u64(uint64(id)), &it)
		if err == nil && !ok {
			err = fmt.Errorf("item %d: %w", id, ErrNotFound)
		}
		return err
	})
	return it, err
}

// RefusedChanges lists a list's refused changes after seq: all of them for
// designers, the user's own otherwise.
func (s *Store) RefusedChanges(u User, ref string, after int64) ([]Refused, error) {
	out := []Refused{}
	err := s.db.View(func(tx *bolt.Tx) error {
		l, err := listIn(tx, ref)
		if err != nil {
			return err
		}
		p := permOf(tx, u, l.ID)
		if p&PermRead == 0 {
			return fmt.Errorf("list %q: %w", l.Name, ErrNotFound)
		}
		c := tx.Bucket(listBucket(l.ID)).Bucket(lRefused).Cursor()
		for k, v := c.Seek(u64(uint64(after + 1))); k != nil; k, v = c.Next() {
			var r Refused
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if p&PermDesign != 0 || r.User == u.ID {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}
