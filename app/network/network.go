// Package network serves the app's network interfaces (model.Sync,
// model.Discovery, model.Sharing) from a running sync node and LAN
// discovery, and keeps the two sides informed of each other: local edits
// nudge the node, finished syncs refresh the screens. It is Fyne-free; main
// wires it between app/local and the node.
package network

import (
	"context"
	"errors"
	"fmt"
	"sort"
	gosync "sync"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/discovery"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	grovesync "github.com/grove-team/grove/sync"
)

// Publisher delivers events to the app's screens.
type Publisher interface{ Publish(model.Event) }

// Network implements the app's network interfaces.
type Network struct {
	store *replica.Store
	node  *grovesync.Node
	disc  *discovery.Service // nil when discovery is off
	ifs   []string
	pub   Publisher

	mu      gosync.Mutex
	running map[uuid.UUID]bool
	lastErr map[uuid.UUID]string
	// shown holds, per workspace, the data and design knowledge as of the
	// last changes announced to the screens.
	shown map[uuid.UUID][2]replica.Knowledge
}

var (
	_ model.Sync      = (*Network)(nil)
	_ model.Discovery = (*Network)(nil)
	_ model.Sharing   = (*Network)(nil)
)

// New returns the adapters; SetPublisher and Run connect them.
func New(store *replica.Store, node *grovesync.Node, disc *discovery.Service, ifs []string) *Network {
	return &Network{store: store, node: node, disc: disc, ifs: ifs, running: map[uuid.UUID]bool{}, lastErr: map[uuid.UUID]string{},
		shown: map[uuid.UUID][2]replica.Knowledge{}}
}

// SetPublisher sets where sync results are announced. Call before Run.
func (n *Network) SetPublisher(p Publisher) { n.pub = p }

func (n *Network) publish(e model.Event) {
	if n.pub != nil {
		n.pub.Publish(e)
	}
}

// Run forwards local edits to the node and sync results to the screens
// until ctx ends. local delivers the app's own events.
func (n *Network) Run(ctx context.Context, local <-chan model.Event) error {
	syncs, cancel := n.node.Subscribe()
	defer cancel()
	if wss, err := n.store.Workspaces(); err == nil {
		for _, w := range wss {
			n.snapshot(w.ID)
		}
	}
	var presence <-chan discovery.Event
	if n.disc != nil {
		ch, stop := n.disc.Subscribe(64)
		defer stop()
		presence = ch
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-local:
			if !ok {
				local = nil
				continue
			}
			if e.FromSync {
				continue
			}
			switch e.Kind {
			case model.RecordChanged, model.DesignChanged, model.ConflictsChanged:
				n.node.Changed(e.Workspace)
			}
		case ev := <-syncs:
			n.synced(ev)
		case <-presence:
			n.publish(model.Event{Kind: model.MembersChanged})
		}
	}
}

// synced turns a finished sync into screen updates.
func (n *Network) synced(ev grovesync.Event) {
	n.mu.Lock()
	if ev.Err != nil {
		n.lastErr[ev.Workspace] = ev.Err.Error()
	} else {
		delete(n.lastErr, ev.Workspace)
	}
	n.mu.Unlock()
	if ev.Err == nil && (ev.Result.ReceivedVersions > 0 || ev.Result.Conflicts > 0) {
		n.announceChanges(ev.Workspace, ev.Result.Conflicts > 0)
	}
	n.publish(model.Event{Kind: model.MembersChanged, Workspace: ev.Workspace})
}

// maxNamedChanges is how many changed records a finished sync announces
// one by one; past it the screens reload (one Resync).
const maxNamedChanges = 2000

// announceChanges tells the screens what a sync brought: each changed
// record (so a window refreshes those rows, not a whole tool), a design
// change, conflicts. The changes are those since the last announcement,
// read from the log (cost grows with them, not with the workspace); the
// first time, or when too many changed, it is one Resync.
func (n *Network) announceChanges(ws uuid.UUID, conflicts bool) {
	n.mu.Lock()
	since, ok := n.shown[ws]
	n.mu.Unlock()
	resync := func() {
		n.publish(model.Event{Kind: model.Resync, Workspace: ws, FromSync: true})
	}
	if !ok {
		resync()
		n.snapshot(ws)
		return
	}
	records, nowData, complete, err := n.store.ChangedItems(ws, replica.ScopeData, since[0], maxNamedChanges)
	if err != nil || !complete {
		resync()
		n.snapshot(ws)
		return
	}
	design, nowDesign, _, err := n.store.ChangedItems(ws, replica.ScopeDesign, since[1], 1)
	if err != nil {
		resync()
		n.snapshot(ws)
		return
	}
	n.mu.Lock()
	n.shown[ws] = [2]replica.Knowledge{nowData, nowDesign}
	n.mu.Unlock()
	if len(design) > 0 {
		n.publish(model.Event{Kind: model.DesignChanged, Workspace: ws, FromSync: true})
	}
	for _, id := range records {
		n.publish(model.Event{Kind: model.RecordChanged, Workspace: ws, Record: id, FromSync: true})
	}
	if conflicts {
		n.publish(model.Event{Kind: model.ConflictsChanged, Workspace: ws, FromSync: true})
	}
}

// snapshot records ws's knowledge as what the screens have been told of.
func (n *Network) snapshot(ws uuid.UUID) {
	data, err := n.store.Knowledge(ws, replica.ScopeData)
	if err != nil {
		return
	}
	design, err := n.store.Knowledge(ws, replica.ScopeDesign)
	if err != nil {
		return
	}
	n.mu.Lock()
	n.shown[ws] = [2]replica.Knowledge{data, design}
	n.mu.Unlock()
}

// SyncNow implements model.Sync: every partner of ws, in the background.
func (n *Network) SyncNow(ws uuid.UUID) error {
	ms, err := n.store.Mappings(ws)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return fmt.Errorf("this workspace has no sync partners yet: invite someone, or join from another device: %w", model.ErrNotAvailable)
	}
	n.mu.Lock()
	if n.running[ws] {
		n.mu.Unlock()
		return nil
	}
	n.running[ws] = true
	n.mu.Unlock()
	n.publish(model.Event{Kind: model.MembersChanged, Workspace: ws})
	go func() {
		defer func() {
			n.mu.Lock()
			delete(n.running, ws)
			n.mu.Unlock()
			n.publish(model.Event{Kind: model.MembersChanged, Workspace: ws})
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		for _, m := range ms {
			n.node.SyncMapping(ctx, m) // results arrive as node events
		}
	}()
	return nil
}

// Status implements model.Sync, asking reachable partners how far apart
// the replicas are (counted from knowledge).
func (n *Network) Status(ws uuid.UUID) (model.SyncStatus, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := n.node.Status(ctx, ws)
	if err != nil {
		return model.SyncStatus{}, err
	}
	names := map[identity.DeviceID]string{}
	if ms, err := n.store.Members(ws); err == nil {
		for _, m := range ms {
			names[m.Device] = m.Name
		}
	}
	n.mu.Lock()
	out := model.SyncStatus{Running: n.running[ws], LastError: n.lastErr[ws]}
	n.mu.Unlock()
	for _, p := range st {
		mp := model.Partner{Device: p.Partner.String(), Name: names[p.Partner], Online: p.Online, LastSync: p.LastSync}
		for _, l := range p.Lacks {
			mp.ToSend += l.TheyLack
			mp.ToReceive += l.WeLack
		}
		out.Partners = append(out.Partners, mp)
	}
	return out, nil
}

// Peers implements model.Discovery.
func (n *Network) Peers() ([]model.Peer, error) {
	if n.disc == nil {
		return nil, fmt.Errorf("LAN discovery is off: %w", model.ErrNotAvailable)
	}
	var out []model.Peer
	for _, p := range n.disc.Peers() {
		mp := model.Peer{Device: p.Device.String(), Name: p.Name, Seen: p.LastSeen}
		if a := p.Addresses(); len(a) > 0 {
			mp.Address = a[0]
		}
		out = append(out, mp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Interfaces implements model.Discovery.
func (n *Network) Interfaces() ([]string, error) {
	if n.disc == nil {
		return nil, fmt.Errorf("LAN discovery is off: %w", model.ErrNotAvailable)
	}
	return n.ifs, nil
}

// Online implements model.Discovery: a device is online when discovery sees
// it now.
func (n *Network) Online(devices []string) map[string]bool {
	out := make(map[string]bool, len(devices))
	if n.disc == nil {
		return out
	}
	for _, d := range devices {
		id, err := identity.ParseDeviceID(d)
		if err != nil {
			continue
		}
		_, out[d] = n.disc.Lookup(id)
	}
	return out
}

// Invite implements model.Sharing.
func (n *Network) Invite(ws uuid.UUID, role model.Role) (string, error) {
	inv, err := n.node.Invite(ws, replica.Role(role), 72*time.Hour, nil)
	if err != nil {
		return "", err
	}
	return inv.Code(), nil
}

// Join implements model.Sharing.
func (n *Network) Join(code string) (uuid.UUID, error) {
	inv, err := grovesync.ParseCode(code)
	if err != nil {
		return uuid.Nil, fmt.Errorf("%w: %w", err, model.ErrInvalid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ws, _, err := n.node.Join(ctx, inv)
	if err != nil {
		if errors.Is(err, replica.ErrBadInvitation) {
			return uuid.Nil, fmt.Errorf("the inviter does not accept this code (used, expired or mistyped): %w", model.ErrInvalid)
		}
		return uuid.Nil, err
	}
	n.publish(model.Event{Kind: model.WorkspacesChanged, Workspace: ws.ID})
	return ws.ID, nil
}

// Leave implements model.Sharing: this device's copy goes; the other
// members keep theirs.
func (n *Network) Leave(ws uuid.UUID) error {
	if err := n.store.DeleteWorkspace(ws); err != nil {
		return err
	}
	n.publish(model.Event{Kind: model.WorkspacesChanged, Workspace: ws})
	return nil
}
