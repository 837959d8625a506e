package fake

import (
	"sync"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
)

// Servers implements model.ServerSync: the status of connected
// workspaces' syncing with their servers, as a test sets it.
type Servers struct {
	mu sync.Mutex
	// Notify, when set, is called after each change (outside the lock),
	// typically with the backend's Publish.
	Notify func(model.Event)
	status map[uuid.UUID]model.ServerStatus
}

var _ model.ServerSync = (*Servers)(nil)

// NewServers returns a fake that knows no status.
func NewServers() *Servers { return &Servers{status: map[uuid.UUID]model.ServerStatus{}} }

// SetServerStatus sets a workspace's status and announces it as a
// members-and-sync change.
func (s *Servers) SetServerStatus(ws uuid.UUID, st model.ServerStatus) {
	s.mu.Lock()
	s.status[ws] = st
	f := s.Notify
	s.mu.Unlock()
	if f != nil {
		f(model.Event{Kind: model.MembersChanged, Workspace: ws})
	}
}

// ServerStatus implements model.ServerSync.
func (s *Servers) ServerStatus(ws uuid.UUID) (model.ServerStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.status[ws]
	return st, ok
}
