package replica

import (
	"fmt"

	"github.com/google/uuid"
)

// ChangedItems lists the items of scope sc changed since a knowledge
// snapshot of this replica's own (one ChangedItems or Knowledge returned
// earlier), for screens that refresh what a sync brought instead of
// re-reading a whole tool. It returns at most limit item IDs, each once,
// and now, the knowledge to pass next time. complete is false when more
// than limit items changed: the caller should then reload everything.
//
// Cost: like an Enumerator, it walks the log from since onward; it grows
// with the changes, not with the workspace, and reads no item.
func (s *Store) ChangedItems(ws uuid.UUID, sc Scope, since Knowledge, limit int) (ids []uuid.UUID, now Knowledge, complete bool, err error) {
	e, err := s.NewEnumerator(ws, sc, since)
	if err != nil {
		return nil, Knowledge{}, false, fmt.Errorf("changed items: %w", err)
	}
	seen := make(map[uuid.UUID]bool)
	for _, p := range e.pos {
		if seen[p.item] {
			continue
		}
		if len(ids) == limit {
			return nil, e.snapshot, false, nil
		}
		seen[p.item] = true
		ids = append(ids, p.item)
	}
	return ids, e.snapshot, true, nil
}
