// Package fake provides in-memory stand-ins for the app's network
// interfaces (model.Sync, model.Discovery, model.Sharing), so screens can
// be driven in tests and demos before sync and discovery exist. They are
// safe for concurrent use and never touch the network.
package fake

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
)

// Network implements model.Sync, model.Discovery and model.Sharing from
// fields a test sets.
type Network struct {
	mu sync.Mutex
	// Notify, when set, is called after each state change (outside the
	// lock), typically with the backend's Publish.
	Notify func(model.Event)

	peers    []model.Peer
	online   map[string]bool
	status   map[uuid.UUID]model.SyncStatus
	syncs    []uuid.UUID
	invites  map[string]uuid.UUID
	joined   []string
	left     []uuid.UUID
	ifaces   []string
	syncErr  error
	inviteNo int
}

var (
	_ model.Sync      = (*Network)(nil)
	_ model.Discovery = (*Network)(nil)
	_ model.Sharing   = (*Network)(nil)
)

// New returns a fake network that sees nobody.
func New() *Network {
	return &Network{online: map[string]bool{}, status: map[uuid.UUID]model.SyncStatus{},
		invites: map[string]uuid.UUID{}, ifaces: []string{"lo"}}
}

func (n *Network) notify(e model.Event) {
	n.mu.Lock()
	f := n.Notify
	n.mu.Unlock()
	if f != nil {
		f(e)
	}
}

// SetPeers sets the devices seen on the LAN; each is online.
func (n *Network) SetPeers(peers ...model.Peer) {
	n.mu.Lock()
	n.peers = append([]model.Peer(nil), peers...)
	n.online = map[string]bool{}
	for _, p := range peers {
		n.online[p.Device] = true
	}
	n.mu.Unlock()
	n.notify(model.Event{Kind: model.MembersChanged})
}

// SetStatus sets a workspace's sync status.
func (n *Network) SetStatus(ws uuid.UUID, st model.SyncStatus) {
	n.mu.Lock()
	n.status[ws] = st
	n.mu.Unlock()
	n.notify(model.Event{Kind: model.MembersChanged, Workspace: ws})
}

// FailSync makes SyncNow return err (nil to succeed again).
func (n *Network) FailSync(err error) {
	n.mu.Lock()
	n.syncErr = err
	n.mu.Unlock()
}

// SyncNow implements model.Sync: it records the request and marks the
// workspace's sync as running.
func (n *Network) SyncNow(ws uuid.UUID) error {
	n.mu.Lock()
	if n.syncErr != nil {
		err := n.syncErr
		n.mu.Unlock()
		return err
	}
	n.syncs = append(n.syncs, ws)
	st := n.status[ws]
	st.Running = true
	n.status[ws] = st
	n.mu.Unlock()
	n.notify(model.Event{Kind: model.MembersChanged, Workspace: ws})
	return nil
}

// Syncs returns the workspaces SyncNow was called for, in order.
func (n *Network) Syncs() []uuid.UUID {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]uuid.UUID(nil), n.syncs...)
}

// Status implements model.Sync.
func (n *Network) Status(ws uuid.UUID) (model.SyncStatus, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	st := n.status[ws]
	st.Partners = append([]model.Partner(nil), st.Partners...)
	return st, nil
}

// Peers implements model.Discovery.
func (n *Network) Peers() ([]model.Peer, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]model.Peer(nil), n.peers...), nil
}

// Interfaces implements model.Discovery.
func (n *Network) Interfaces() ([]string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.ifaces...), nil
}

// Online implements model.Discovery.
func (n *Network) Online(devices []string) map[string]bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make(map[string]bool, len(devices))
	for _, d := range devices {
		if n.online[d] {
			out[d] = true
		}
	}
	return out
}

// Invite implements model.Sharing with a code that encodes the role.
func (n *Network) Invite(ws uuid.UUID, role model.Role) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.inviteNo++
	code := fmt.Sprintf("GROVE-%s-%04d", strings.ToUpper(role.String()[:3]), n.inviteNo)
	n.invites[code] = ws
	return code, nil
}

// Join implements model.Sharing: a code made by Invite is accepted once.
func (n *Network) Join(code string) (uuid.UUID, error) {
	code = strings.TrimSpace(code)
	n.mu.Lock()
	ws, ok := n.invites[code]
	if ok {
		delete(n.invites, code)
		n.joined = append(n.joined, code)
	}
	n.mu.Unlock()
	if !ok {
		return uuid.Nil, fmt.Errorf("the code %q is not a valid invitation, or was used already; ask for a new one: %w", code, model.ErrInvalid)
	}
	n.notify(model.Event{Kind: model.WorkspacesChanged, Workspace: ws})
	return ws, nil
}

// Leave implements model.Sharing by recording the request.
func (n *Network) Leave(ws uuid.UUID) error {
	n.mu.Lock()
	n.left = append(n.left, ws)
	n.mu.Unlock()
	return nil
}

// Left returns the workspaces Leave was called for.
func (n *Network) Left() []uuid.UUID {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]uuid.UUID(nil), n.left...)
}

// Partner is a helper building a partner seen now.
func Partner(device, name string, toSend, toReceive int, last time.Time) model.Partner {
	return model.Partner{Device: device, Name: name, Online: true, ToSend: toSend, ToReceive: toReceive, LastSync: last}
}
