package local

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
)

// Offline stands in for sync, discovery and invitations until they are
// built: every action returns an error wrapping model.ErrNotAvailable that
// says what is missing, and every report is empty.
type Offline struct{}

var (
	_ model.Sync      = Offline{}
	_ model.Discovery = Offline{}
	_ model.Sharing   = Offline{}
)

// SyncNow implements model.Sync.
func (Offline) SyncNow(uuid.UUID) error {
	return fmt.Errorf("syncing with other devices is coming in a later version: %w", model.ErrNotAvailable)
}

// Status implements model.Sync.
func (Offline) Status(uuid.UUID) (model.SyncStatus, error) { return model.SyncStatus{}, nil }

// Peers implements model.Discovery.
func (Offline) Peers() ([]model.Peer, error) {
	return nil, fmt.Errorf("finding devices on the local network is coming in a later version: %w", model.ErrNotAvailable)
}

// Interfaces implements model.Discovery.
func (Offline) Interfaces() ([]string, error) {
	return nil, fmt.Errorf("discovery is not running: %w", model.ErrNotAvailable)
}

// Online implements model.Discovery: nobody is seen.
func (Offline) Online([]string) map[string]bool { return nil }

// Invite implements model.Sharing.
func (Offline) Invite(uuid.UUID, model.Role) (string, error) {
	return "", fmt.Errorf("invitations need sync, which is coming in a later version: %w", model.ErrNotAvailable)
}

// Join implements model.Sharing.
func (Offline) Join(string) (uuid.UUID, error) {
	return uuid.Nil, fmt.Errorf("joining by code needs sync, which is coming in a later version: %w", model.ErrNotAvailable)
}

// Leave implements model.Sharing.
func (Offline) Leave(uuid.UUID) error {
	return fmt.Errorf("leaving tells the other members, which needs sync; use \"Delete from this device\" to remove your copy: %w", model.ErrNotAvailable)
}
