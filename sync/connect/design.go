package connect

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/sync/server"
)

// syncDesign brings the workspace's design in step with the server's: it
// fetches the signed list designs, applies every list whose design version
// is newer than the one its tool holds through the store's safe design
// change (replica.ApplyServerDesign, one list at a time so one refused
// design does not hold back the others), and rebuilds b's bound lists from
// the signed designs the tools hold. A design the safe design change
// refuses is recorded by the store, counted in the report, remembered in
// b.RejectedDesigns and not tried again: the client keeps syncing data on
// the design it has and waits for the next version. A participant's device
// does not author designs: its tools follow a manager's device by peer
// sync.
func (c *Client) syncDesign(ctx context.Context, b *replica.Binding, rep *Report) error {
	var lists struct {
		Lists []server.ListAccess `json:"lists"`
	}
	if err := c.call(ctx, "GET", "/v1/lists", nil, &lists); err != nil {
		return fmt.Errorf("design: %w", err)
	}
	held, err := c.cfg.Store.ServerDesigns(c.cfg.WS)
	if err != nil {
		return err
	}
	if b.RejectedDesigns == nil {
		b.RejectedDesigns = map[int64]int64{}
	}
	for _, la := range lists.Lists {
		if !server.VerifyDesign(b.PublicKey, la.List) {
			return fmt.Errorf("design: list %q: %w", la.Name, ErrBadDesign)
		}
		bl, _, err := Mirror(b.ServerDevice, la.List)
		if err != nil {
			return fmt.Errorf("design: %w", err)
		}
		h, ok := held[bl.Tool]
		if (ok && h.DesignVersion >= la.DesignVersion) || b.RejectedDesigns[la.ID] == la.DesignVersion {
			continue
		}
		reps, err := c.cfg.Store.ApplyServerDesign(c.cfg.WS, []server.List{la.List})
		switch {
		case err == nil:
			rep.DesignsApplied++
			held[bl.Tool] = la.List
			delete(b.RejectedDesigns, la.ID)
		case errors.Is(err, replica.ErrDesignRejected):
			rep.DesignsRejected++
			b.RejectedDesigns[la.ID] = la.DesignVersion
			if len(reps) > 0 {
				rep.DesignRejections = append(rep.DesignRejections, reps[0])
			}
			c.cfg.Logf("connect: design version %d of list %q refused, production unchanged: %v", la.DesignVersion, la.Name, err)
		case errors.Is(err, replica.ErrRoleTooLow):
			// A participant: the design arrives from a manager's device.
		default:
			return fmt.Errorf("design: list %q: %w", la.Name, err)
		}
	}
	return c.rebind(b, lists.Lists, held)
}

// rebind sets b's lists to the lists the user may read whose tool holds a
// signed design, translated by that design (the one the local tool is
// at). A list whose design version moved is pulled again from the start:
// the values of new or retyped fields come with it.
func (c *Client) rebind(b *replica.Binding, lists []server.ListAccess, held map[uuid.UUID]server.List) error {
	old := map[int64]replica.BoundList{}
	for _, bl := range b.Lists {
		old[bl.ListID] = bl
	}
	b.Lists = b.Lists[:0:0]
	for _, la := range lists {
		bl, tool, err := Mirror(b.ServerDevice, la.List)
		if err != nil {
			return err
		}
		h, ok := held[tool.ID]
		if !ok {
			c.cfg.Logf("connect: list %q: its tool has not reached this device yet (sync with a manager's device)", la.Name)
			continue
		}
		if bl, _, err = Mirror(b.ServerDevice, h); err != nil {
			return err
		}
		if c.designs == nil {
			c.designs = map[int64]server.List{}
		}
		c.designs[bl.ListID] = h
		if o, ok := old[bl.ListID]; ok && o.DesignVersion == bl.DesignVersion {
			bl.Token = o.Token
		}
		b.Lists = append(b.Lists, bl)
	}
	return nil
}
