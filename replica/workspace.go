package replica

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// localReplica is the replica key of this device's own replica in every
// workspace: it is registered first, when the workspace is created or joined.
const localReplica uint32 = 1

// Workspace is a workspace as this device holds it.
type Workspace struct {
	// ID is the workspace (sync community) ID, the same on every member.
	ID uuid.UUID
	// Name is the workspace's display name.
	Name string
	// Created is when this replica was created.
	Created time.Time
	// Replica is the ID of this device's replica of the workspace.
	Replica uuid.UUID
}

const workspaceFormat = 1

func encodeWorkspace(w Workspace) []byte {
	e := encoder{}
	e.byte1(workspaceFormat)
	e.str(w.Name)
	e.varint(w.Created.UnixMilli())
	e.uuid(w.Replica)
	return e.b
}

func decodeWorkspace(id uuid.UUID, b []byte) (Workspace, error) {
	d := decoder{b: b}
	if d.byte1() != workspaceFormat {
		d.fail("unknown workspace format")
	}
	w := Workspace{ID: id, Name: d.str(), Created: time.UnixMilli(d.varint()).UTC(), Replica: d.uuid()}
	if err := d.done(); err != nil {
		return Workspace{}, fmt.Errorf("decode workspace %s: %w", id, err)
	}
	return w, nil
}

// CreateWorkspace creates a workspace whose first tools are the given designs,
// makes this device its manager and returns it. The device must be
// initialized. It is one transaction: on error nothing is written.
func (s *Store) CreateWorkspace(name string, tools ...*schema.Tool) (Workspace, error) {
	name = strings.TrimSpace(name)
	if err := checkName(name, false); err != nil {
		return Workspace{}, fmt.Errorf("create workspace: %w", err)
	}
	for _, t := range tools {
		if err := t.Check(); err != nil {
			return Workspace{}, fmt.Errorf("create workspace: tool %q: %w", t.Name, err)
		}
	}
	ws := Workspace{ID: uuid.New(), Name: name, Created: s.now().UTC().Truncate(time.Millisecond), Replica: uuid.New()}
	err := s.db.Update(func(tx *bolt.Tx) error {
		dev, err := readDevice(tx)
		if err != nil {
			return err
		}
		wb, err := createWorkspaceBuckets(tx, ws.ID)
		if err != nil {
			return err
		}
		if err := registerReplica(wb, localReplica, ws.Replica, dev.ID); err != nil {
			return err
		}
		st, err := s.openScope(tx, ws.ID, ScopeDesign)
		if err != nil {
			return err
		}
		if err := st.writeMember(Member{Device: dev.ID, Name: dev.Name, Role: RoleManager}); err != nil {
			return err
		}
		if err := st.flush(); err != nil {
			return err
		}
		for _, t := range tools {
			if err := s.writeTool(tx, ws.ID, t); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketWorkspaces).Put(ws.ID[:], encodeWorkspace(ws))
	})
	if err != nil {
		return Workspace{}, fmt.Errorf("create workspace %q: %w", name, err)
	}
	return ws, nil
}

// Workspaces lists the workspaces on this device, sorted by name.
func (s *Store) Workspaces() ([]Workspace, error) {
	var out []Workspace
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWorkspaces).ForEach(func(k, v []byte) error {
			w, err := decodeWorkspace(uuid.UUID(k), v)
			if err != nil {
				return err
			}
			out = append(out, w)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := strings.ToLower(out[i].Name), strings.ToLower(out[j].Name); a != b {
			return a < b
		}
		return bytes.Compare(out[i].ID[:], out[j].ID[:]) < 0
	})
	return out, nil
}

// Workspace returns one workspace by ID, or ErrNoWorkspace.
func (s *Store) Workspace(id uuid.UUID) (Workspace, error) {
	var w Workspace
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketWorkspaces).Get(id[:])
		if v == nil {
			return fmt.Errorf("workspace %s: %w", id, ErrNoWorkspace)
		}
		var err error
		w, err = decodeWorkspace(id, v)
		return err
	})
	return w, err
}

// FindWorkspace resolves what a user typed: a full workspace ID, a name
// (case-insensitive), an ID prefix of at least 4 characters, or the start of
// one workspace's name, tried in that order. It returns
// ErrNoWorkspace when nothing matches and ErrAmbiguous when several do.
func (s *Store) FindWorkspace(ref string) (Workspace, error) {
	ref = strings.TrimSpace(ref)
	if id, err := uuid.Parse(ref); err == nil {
		return s.Workspace(id)
	}
	all, err := s.Workspaces()
	if err != nil {
		return Workspace{}, err
	}
	var byName, byPrefix, byNamePrefix []Workspace
	lower := strings.ToLower(ref)
	for _, w := range all {
		if strings.EqualFold(w.Name, ref) {
			byName = append(byName, w)
		}
		if len(ref) >= 4 && strings.HasPrefix(w.ID.String(), lower) {
			byPrefix = append(byPrefix, w)
		}
		if ref != "" && strings.HasPrefix(strings.ToLower(w.Name), lower) {
			byNamePrefix = append(byNamePrefix, w)
		}
	}
	for _, m := range [][]Workspace{byName, byPrefix, byNamePrefix} {
		switch len(m) {
		case 0:
			continue
		case 1:
			return m[0], nil
		default:
			return Workspace{}, fmt.Errorf("workspace %q matches %d workspaces, use the ID: %w", ref, len(m), ErrAmbiguous)
		}
	}
	return Workspace{}, fmt.Errorf("workspace %q: %w", ref, ErrNoWorkspace)
}

// workspaceBucket returns a workspace's bucket or ErrNoWorkspace.
func workspaceBucket(tx *bolt.Tx, id uuid.UUID) (*bolt.Bucket, error) {
	wb := tx.Bucket(bucketWS).Bucket(id[:])
	if wb == nil {
		return nil, fmt.Errorf("workspace %s: %w", id, ErrNoWorkspace)
	}
	return wb, nil
}

// JoinWorkspace creates this device's replica of an existing workspace,
// empty, ready to receive its design, members and data by sync from inviter,
// the manager whose invitation this device accepted. Membership is written
// by the inviter and arrives with the first sync.
func (s *Store) JoinWorkspace(id uuid.UUID, name string, inviter identity.DeviceID) (Workspace, error) {
	name = strings.TrimSpace(name)
	if err := checkName(name, false); err != nil {
		return Workspace{}, fmt.Errorf("join workspace: %w", err)
	}
	ws := Workspace{ID: id, Name: name, Created: s.now().UTC().Truncate(time.Millisecond), Replica: uuid.New()}
	err := s.db.Update(func(tx *bolt.Tx) error {
		dev, err := readDevice(tx)
		if err != nil {
			return err
		}
		if tx.Bucket(bucketWorkspaces).Get(id[:]) != nil {
			return fmt.Errorf("workspace %s is already here: %w", id, ErrInvalidInput)
		}
		wb, err := createWorkspaceBuckets(tx, id)
		if err != nil {
			return err
		}
		if err := registerReplica(wb, localReplica, ws.Replica, dev.ID); err != nil {
			return err
		}
		if err := wb.Put(keyInviter, inviter[:]); err != nil {
			return err
		}
		return tx.Bucket(bucketWorkspaces).Put(id[:], encodeWorkspace(ws))
	})
	if err != nil {
		return Workspace{}, fmt.Errorf("join workspace %s: %w", id, err)
	}
	return ws, nil
}

// RenameWorkspace changes a workspace's display name on this device.
func (s *Store) RenameWorkspace(id uuid.UUID, name string) error {
	name = strings.TrimSpace(name)
	if err := checkName(name, false); err != nil {
		return fmt.Errorf("rename workspace: %w", err)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWorkspaces)
		v := b.Get(id[:])
		if v == nil {
			return fmt.Errorf("workspace %s: %w", id, ErrNoWorkspace)
		}
		w, err := decodeWorkspace(id, v)
		if err != nil {
			return err
		}
		w.Name = name
		return b.Put(id[:], encodeWorkspace(w))
	})
	if err != nil {
		return fmt.Errorf("rename workspace: %w", err)
	}
	return nil
}

// DeleteWorkspace removes this device's replica of a workspace and
// everything in it, in one transaction. Other members keep theirs.
func (s *Store) DeleteWorkspace(id uuid.UUID) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketWorkspaces).Get(id[:]) == nil {
			return fmt.Errorf("workspace %s: %w", id, ErrNoWorkspace)
		}
		if err := tx.Bucket(bucketWS).DeleteBucket(id[:]); err != nil {
			return err
		}
		return tx.Bucket(bucketWorkspaces).Delete(id[:])
	})
	if err != nil {
		return fmt.Errorf("delete workspace: %w", err)
	}
	return nil
}
