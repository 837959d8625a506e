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
}

// Sync runs one cycle for every bound list: pull, push, pull. It is safe to
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
	for i := range b.Lists {
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
	return c.cfg.Store.Bind(c.cfg.WS, *b)
}

func (c *Client) applyItems(b *replica.Binding, bl *replica.BoundList, items []server.Item) error {
	if len(items) == 0 {
		return nil
	}
	recs := make([]replica.ServerRecord, 0, len(items))
	for i := range items {
		r, err := toRecord(bl, &items[i])
		if err != nil {
			c.cfg.Logf("connect: list %q item %d: %v (skipped)", bl.Name, items[i].ID, err)
			continue
		}
		recs = append(recs, r)
	}
	_, err := c.cfg.Store.ApplyServer(c.cfg.WS, b.ServerDevice, recs)
	return err
}

// toRecord translates a server item into the versions a replica holds.
func toRecord(bl *replica.BoundList, it *server.Item) (replica.ServerRecord, error) {
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
		v, err := ToLocal(wireform.Kind(bl.Kinds[name]), it.Values[name])
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
		for _, pr := range pend {
			up, ok := toUpdate(bl, byField, &pr)
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
// to send (only losing versions are new).
func toUpdate(bl *replica.BoundList, byField map[uuid.UUID]string, pr *replica.PendingRecord) (server.Update, bool) {
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
			return up, true
		}
	}
	for _, pf := range pr.Fields {
		in, ok := byField[pf.Field]
		if !ok {
			continue
		}
		up.Values[in] = ToWire(wireform.Kind(bl.Kinds[in]), pf.Value)
		o := fromRef(pf.Origin)
		o.Seen = make(map[string]uint64, len(pf.Seen))
		for r, t := range pf.Seen {
			o.Seen[r.String()] = t
		}
		up.Origins[in] = o
	}
	return up, pr.Existence != nil || len(up.Values) > 0
}
