package replica

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	bolt "go.etcd.io/bbolt"
)

// ErrBadInvitation is returned for an unknown, used or expired invitation.
var ErrBadInvitation = errors.New("invitation not valid")

// wsInvites, in a workspace's bucket, maps SHA-256(secret) to an open
// invitation: role (1 byte), expiry (uint64 BE unix ms). Only this device
// knows them; they are not synced.
var wsInvites = []byte("invites")

// Invitation is an open invitation to a workspace.
type Invitation struct {
	Workspace uuid.UUID
	Secret    [32]byte
	Role      Role
	Expires   time.Time
}

// CreateInvitation makes a one-time invitation with a random secret. This
// device must be a manager.
func (s *Store) CreateInvitation(ws uuid.UUID, role Role, ttl time.Duration) (Invitation, error) {
	if role < RoleGuest || role > RoleManager || ttl <= 0 {
		return Invitation{}, fmt.Errorf("create invitation: role and lifetime required: %w", ErrInvalidInput)
	}
	inv := Invitation{Workspace: ws, Role: role, Expires: s.now().Add(ttl).UTC().Truncate(time.Millisecond)}
	if _, err := rand.Read(inv.Secret[:]); err != nil {
		return Invitation{}, fmt.Errorf("create invitation: %w", err)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		if err := st.requireLocalRole(RoleManager); err != nil {
			return err
		}
		b, err := st.ws.CreateBucketIfNotExists(wsInvites)
		if err != nil {
			return err
		}
		h := sha256.Sum256(inv.Secret[:])
		v := binary.BigEndian.AppendUint64([]byte{byte(role)}, uint64(inv.Expires.UnixMilli()))
		return b.Put(h[:], v)
	})
	if err != nil {
		return Invitation{}, fmt.Errorf("create invitation: %w", err)
	}
	return inv, nil
}

// RedeemInvitation checks an invitation secret presented by device and, if
// it is open, makes the device a member with the invitation's role and
// closes the invitation, in one transaction. It returns the workspace's
// name and the role.
func (s *Store) RedeemInvitation(ws uuid.UUID, secret [32]byte, dev identity.DeviceID, name string) (string, Role, error) {
	var wsName string
	var role Role
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		b := st.ws.Bucket(wsInvites)
		h := sha256.Sum256(secret[:])
		var v []byte
		if b != nil {
			v = b.Get(h[:])
		}
		if len(v) != 9 {
			return ErrBadInvitation
		}
		if s.now().UnixMilli() > int64(binary.BigEndian.Uint64(v[1:])) {
			b.Delete(h[:])
			return fmt.Errorf("expired: %w", ErrBadInvitation)
		}
		role = Role(v[0])
		if err := checkName(name, true); err != nil || name == "" {
			name = dev.Short()
		}
		if err := st.requireLocalRole(RoleManager); err != nil {
			return err
		}
		if err := st.writeMember(Member{Device: dev, Name: name, Role: role}); err != nil {
			return err
		}
		if err := b.Delete(h[:]); err != nil {
			return err
		}
		w, err := decodeWorkspace(ws, tx.Bucket(bucketWorkspaces).Get(ws[:]))
		if err != nil {
			return err
		}
		wsName = w.Name
		return st.flush()
	})
	if err != nil {
		return "", 0, fmt.Errorf("redeem invitation: %w", err)
	}
	return wsName, role, nil
}
