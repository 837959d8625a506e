package connect

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/url"
	"strconv"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/schema/wireform"
	"github.com/grove-team/grove/sync/server"
)

// Report counts what one Sync did.
type Report struct {
	Pulled   int // server items applied
	Pushed   int // updates sent
	Accepted int
	Refused  int
	// Refusals lists the refused updates with the server's reasons.
	Refusals []server.Result
	// DesignsApplied counts server design versions applied here;
	// DesignsRejected those the safe design change refused (production
	// unchanged, recorded), with DesignRejections saying why.
	DesignsApplied   int
	DesignsRejected  int
	DesignRejections []replica.DesignReport
}

// Sync brings the design in step with the server's (see syncDesign), then
// runs one cycle for every bound list: pull, push, pull. It is safe to
// run again after any failure: pushes are idempotent by key and origin, and
// the change token is stored only after a complete pull.
func (c *Client) Sync(ctx context.Context) (Report, error) {
	var rep Report
	b, ok, err := c.cfg.Store.Binding(c.cfg.WS)
	if err != nil {
		return rep, err
	}
	if !ok {
		return rep, fmt.Errorf("sync: workspace %s is not connected (run grove connect)", c.cfg.WS)
	}
	if c.dir, err = parseDirectory(b.Directory); err != nil {
		return rep, fmt.Errorf("sync: %w", err)
	}
	if err := c.syncDesign(ctx, &b, &rep); err != nil {
		return rep, err
	}
	if err := c.syncUsers(ctx); err != nil {
		return rep, err
	}
	if err := c.bind(&b); err != nil {
		return rep, err
	}
	for _, i := range c.listOrder(b.Lists) {
		bl := &b.Lists[i]
		if err := c.pull(ctx, &b, bl, &rep); err != nil {
			return rep, err
		}
		if err := c.push(ctx, &b, bl, &rep); err != nil {
			return rep, err
		}
		if err := c.pull(ctx, &b, bl, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// pull applies the list's changes since the stored token.
func (c *Client) pull(ctx context.Context, b *replica.Binding, bl *replica.BoundList, rep *Report) error {
	for {
		var page server.ChangesReply
		path := fmt.Sprintf("/v1/lists/%s/changes?since=%d&limit=500", url.PathEscape(strconv.FormatInt(bl.ListID, 10)), bl.Token)
		if err := c.call(ctx, "GET", path, nil, &page); err != nil {
			return fmt.Errorf("pull %q: %w", bl.Name, err)
		}
		if err := c.applyItems(b, bl, page.Items); err != nil {
			return fmt.Errorf("pull %q: %w", bl.Name, err)
		}
		rep.Pulled += len(page.Items)
		tok, err := strconv.ParseInt(page.Token, 10, 64)
		if err != nil {
			return fmt.Errorf("pull %q: token %q: %w", bl.Name, page.Token, ErrServer)
		}
		bl.Token = tok
		if !page.More {
			break
		}
	}
	// Every server stamp of this list up to the token has been seen.
	sr := replica.ReplicaRef{ID: server.ServerReplica(b.ServerDevice, bl.ListID), Device: b.ServerDevice}
	if err := c.cfg.Store.AcknowledgeRange(c.cfg.WS, sr, uint64(bl.Token)); err != nil {
		return err
	}
	return c.bind(b)
}

// bind stores the binding with the directory.
func (c *Client) bind(b *replica.Binding) error {
	b.Directory = c.dir.marshal()
	return c.cfg.Store.Bind(c.cfg.WS, *b)
}

// syncUsers refreshes the directory's copy of the server's user list.
func (c *Client) syncUsers(ctx context.Context) error {
	var reply struct {
		Users []server.User `json:"users"`
	}
	if err := c.call(ctx, "GET", "/v1/users", nil, &reply); err != nil {
		return fmt.Errorf("users: %w", err)
	}
	c.dir.Users = make(map[int64]DirectoryUser, len(reply.Users))
	for _, u := range reply.Users {
		c.dir.Users[u.ID] = DirectoryUser{Name: u.Name, Email: u.Email}
	}
	return nil
}

// listOrder returns the order to sync lists in: lists that lookups point
// into before the lists that point, so a lookup's target item is usually
// known (pulled, or pushed and given its ID) before the lookup travels.
func (c *Client) listOrder(lists []replica.BoundList) []int {
	targets := map[int64]bool{}
	for _, bl := range lists {
		for _, f := range c.designs[bl.ListID].Fields {
			if t, ok := wireform.LookupTarget(f); ok {
				targets[t] = true
			}
		}
	}
	order := make([]int, 0, len(lists))
	for pass := 0; pass < 2; pass++ {
		for i, bl := range lists {
			if targets[bl.ListID] == (pass == 0) {
				order = append(order, i)
			}
		}
	}
	return order
}

// field returns the server design of a bound list's field.
func (c *Client) field(bl *replica.BoundList, internal string) wireform.Field {
	if l, ok := c.designs[bl.ListID]; ok {
		if f, ok := l.Field(internal); ok {
			return *f
		}
	}
	return wireform.Field{Internal: internal, Kind: wireform.Kind(bl.Kinds[internal])}
}

func (c *Client) applyItems(b *replica.Binding, bl *replica.BoundList, items []server.Item) error {
	if len(items) == 0 {
		return nil
	}
	recs := make([]replica.ServerRecord, 0, len(items))
	for i := range items {
		c.noteItem(bl, &items[i])
		r, err := c.toRecord(b, bl, &items[i])
		if err != nil {
			c.cfg.Logf("connect: list %q item %d: %v (skipped)", bl.Name, items[i].ID, err)
			continue
		}
		recs = append(recs, r)
	}
	_, err := c.cfg.Store.ApplyServer(c.cfg.WS, b.ServerDevice, recs)
	return err
}

// noteItem records in the directory which record a server item is, and
// its display text (its first field's wire value), for lookups.
func (c *Client) noteItem(bl *replica.BoundList, it *server.Item) {
	rec, err := uuid.Parse(it.Key)
	if err != nil || it.ID <= 0 {
		return
	}
	var display string
	if l, ok := c.designs[bl.ListID]; ok && len(l.Fields) > 0 {
		display = it.Values[l.Fields[0].Internal]
	}
	c.dir.NoteItem(bl.ListID, it.ID, rec, display)
}

// toRecord translates a server item into the versions a replica holds.
func (c *Client) toRecord(b *replica.Binding, bl *replica.BoundList, it *server.Item) (replica.ServerRecord, error) {
	id, err := uuid.Parse(it.Key)
	if err != nil {
		return replica.ServerRecord{}, fmt.Errorf("key %q: %w", it.Key, err)
	}
	r := replica.ServerRecord{ID: id, Tool: bl.Tool, Created: replica.HLC(it.CreatedHLC)}
	if r.Creator, err = identity.ParseDeviceID(it.CreatorDevice); err != nil {
		return r, err
	}
	ex, err := toRef(it.Existence.Origin)
	if err != nil {
		return r, fmt.Errorf("existence: %w", err)
	}
	r.Units = append(r.Units, replica.ServerVersion{Field: uuid.Nil, Alive: !it.Deleted, Origin: ex})
	for name, st := range it.Fields {
		fid, ok := bl.Fields[name]
		if !ok {
			continue // a field the local design does not have (yet)
		}
		v, err := c.dir.ToLocal(b.ServerDevice[:], c.field(bl, name), it.Values[name])
		if err != nil {
			return r, fmt.Errorf("field %s: %w", name, err)
		}
		o, err := toRef(st.Origin)
		if err != nil {
			return r, fmt.Errorf("field %s: %w", name, err)
		}
		r.Units = append(r.Units, replica.ServerVersion{Field: fid, Value: v, Origin: o})
	}
	return r, nil
}

func toRef(o server.Origin) (replica.VersionRef, error) {
	rid, err := uuid.Parse(o.Replica)
	if err != nil {
		return replica.VersionRef{}, fmt.Errorf("origin replica %q: %w", o.Replica, err)
	}
	dev, err := identity.ParseDeviceID(o.Device)
	if err != nil {
		return replica.VersionRef{}, err
	}
	if o.Tick == 0 {
		return replica.VersionRef{}, fmt.Errorf("origin tick 0: %w", ErrServer)
	}
	return replica.VersionRef{Replica: rid, Device: dev, Tick: o.Tick, HLC: replica.HLC(o.HLC)}, nil
}

func fromRef(v replica.VersionRef) server.Origin {
	return server.Origin{Replica: v.Replica.String(), Device: v.Device.String(), Tick: v.Tick, HLC: uint64(v.HLC)}
}

// push sends the local versions the server has not seen, in batches, and
// applies the per-item report.
func (c *Client) push(ctx context.Context, b *replica.Binding, bl *replica.BoundList, rep *Report) error {
	byField := make(map[uuid.UUID]string, len(bl.Fields))
	for in, id := range bl.Fields {
		byField[id] = in
	}
	for {
		pend, err := c.cfg.Store.ServerPending(c.cfg.WS, bl.Tool, c.cfg.BatchSize)
		if err != nil || len(pend) == 0 {
			return err
		}
		var ups []server.Update
		var sent []replica.PendingRecord
		var quiet []replica.VersionRef
		held := 0
		for _, pr := range pend {
			up, ok, err := c.toUpdate(bl, byField, &pr)
			if err != nil {
				// Not sent, kept pending: it goes when it can travel (a
				// lookup's record reaches the server first).
				c.cfg.Logf("connect: list %q record %s held back: %v", bl.Name, pr.ID, err)
				held++
				continue
			}
			if !ok {
				quiet = append(quiet, pr.Versions...) // only losers: nothing to say
				continue
			}
			ups, sent = append(ups, up), append(sent, pr)
		}
		if err := c.cfg.Store.Acknowledge(c.cfg.WS, quiet); err != nil {
			return err
		}
		if len(ups) == 0 {
			if held > 0 {
				return nil // only records that cannot travel yet are left
			}
			continue
		}
		var br server.BatchReply
		path := fmt.Sprintf("/v1/lists/%d/batch", bl.ListID)
		if err := c.call(ctx, "POST", path, server.BatchRequest{Updates: ups}, &br); err != nil {
			return fmt.Errorf("push %q: %w", bl.Name, err)
		}
		if len(br.Results) != len(ups) {
			return fmt.Errorf("push %q: %d results for %d updates: %w", bl.Name, len(br.Results), len(ups), ErrServer)
		}
		rep.Pushed += len(ups)
		if err := c.report(b, bl, sent, br.Results, rep); err != nil {
			return fmt.Errorf("push %q: %w", bl.Name, err)
		}
	}
}

// report applies a batch's per-item results.
func (c *Client) report(b *replica.Binding, bl *replica.BoundList, sent []replica.PendingRecord, results []server.Result, rep *Report) error {
	var items []server.Item
	var acks []replica.VersionRef
	for i, res := range results {
		pr := &sent[i]
		if res.Status == server.StatusRefused {
			rep.Refused++
			rep.Refusals = append(rep.Refusals, res)
			if err := c.cfg.Store.MarkRefused(c.cfg.WS, pr.ID, pr.Versions, res.Code+": "+res.Reason); err != nil {
				return err
			}
		} else {
			rep.Accepted++
			acks = append(acks, pr.Versions...)
		}
		if res.Item != nil {
			items = append(items, *res.Item)
		}
	}
	if err := c.cfg.Store.Acknowledge(c.cfg.WS, acks); err != nil {
		return err
	}
	return c.applyItems(b, bl, items)
}

// toUpdate translates a pending record; ok is false when there is nothing
// to send (only losing versions are new). A value without a wire form yet
// (ErrUntranslatable) gives an error: the record waits.
func (c *Client) toUpdate(bl *replica.BoundList, byField map[uuid.UUID]string, pr *replica.PendingRecord) (server.Update, bool, error) {
	up := server.Update{Key: pr.ID.String(), Values: map[string]string{}, Origins: map[string]server.Origin{}}
	h := sha256.New()
	for _, v := range pr.Versions {
		fmt.Fprintf(h, "%s:%d;", v.Replica, v.Tick)
	}
	up.Change = fmt.Sprintf("%s@%x", pr.ID, h.Sum(nil)[:8])
	if pr.Existence != nil {
		up.Origins[""] = fromRef(*pr.Existence)
		up.CreatedHLC, up.CreatorDevice = uint64(pr.Created), pr.Creator.String()
		if !pr.Alive {
			up.Delete = true
			return up, true, nil
		}
	}
	for _, pf := range pr.Fields {
		in, ok := byField[pf.Field]
		if !ok {
			continue
		}
		w, err := c.dir.ToWire(c.field(bl, in), pf.Value)
		if err != nil {
			return up, false, err
		}
		up.Values[in] = w
		o := fromRef(pf.Origin)
		o.Seen = make(map[string]uint64, len(pf.Seen))
		for r, t := range pf.Seen {
			o.Seen[r.String()] = t
		}
		up.Origins[in] = o
	}
	return up, pr.Existence != nil || len(up.Values) > 0, nil
}
