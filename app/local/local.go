// Package local implements the app's model interfaces over the replica
// store on this device. It is the seam between the screens and storage:
// the only app package that imports replica (and so bbolt).
//
// Sync, discovery and invitations are not built yet: Offline implements
// their interfaces with errors wrapping model.ErrNotAvailable until the
// real ones are passed with WithSync, WithDiscovery and WithSharing.
package local

import (
	"path/filepath"

	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/replica"
)

// Backend serves the app from a store. It is safe for concurrent use.
type Backend struct {
	store     *replica.Store
	state     *uiState
	hub       hub
	sync      model.Sync
	discovery model.Discovery
	sharing   model.Sharing
	conn      connState
}

var _ model.Backend = (*Backend)(nil)

// Option configures a Backend.
type Option func(*Backend)

// WithSync sets the sync machinery (default: Offline).
func WithSync(s model.Sync) Option { return func(b *Backend) { b.sync = s } }

// WithDiscovery sets the LAN discovery (default: Offline).
func WithDiscovery(d model.Discovery) Option { return func(b *Backend) { b.discovery = d } }

// WithSharing sets invitations (default: Offline).
func WithSharing(s model.Sharing) Option { return func(b *Backend) { b.sharing = s } }

// New returns a backend over an open store. The app's own small state
// (first run done, when each workspace was last looked at) is kept in
// ui-state.json beside the store's file.
func New(s *replica.Store, opts ...Option) *Backend {
	b := &Backend{store: s, state: newUIState(filepath.Join(filepath.Dir(s.Path()), "ui-state.json"))}
	off := Offline{}
	b.sync, b.discovery, b.sharing = off, off, off
	for _, o := range opts {
		o(b)
	}
	return b
}

// Publish delivers an event to the app's subscribers. The network parts
// call it when something changes (a peer appears, a sync progresses).
func (b *Backend) Publish(e model.Event) { b.hub.publish(e) }

// Sync implements model.Backend.
func (b *Backend) Sync() model.Sync { return b.sync }

// Discovery implements model.Backend.
func (b *Backend) Discovery() model.Discovery { return b.discovery }

// Sharing implements model.Backend.
func (b *Backend) Sharing() model.Sharing { return b.sharing }
