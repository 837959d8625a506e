package replica

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	bolt "go.etcd.io/bbolt"
)

// Role is what a member may do in a workspace.
type Role uint8

// Roles, weakest first.
const (
	// RoleGuest reads.
	RoleGuest Role = 1
	// RoleParticipant reads and edits records.
	RoleParticipant Role = 2
	// RoleManager also changes the design and invites.
	RoleManager Role = 3
)

// String returns the role's name as the command line spells it.
func (r Role) String() string {
	switch r {
	case RoleGuest:
		return "guest"
	case RoleParticipant:
		return "participant"
	case RoleManager:
		return "manager"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// ParseRole parses a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range []Role{RoleGuest, RoleParticipant, RoleManager} {
		if strings.EqualFold(s, r.String()) {
			return r, nil
		}
	}
	return 0, fmt.Errorf("role %q: want guest, participant or manager: %w", s, ErrInvalidInput)
}

// Member is a device's membership of a workspace.
type Member struct {
	Device identity.DeviceID
	Name   string
	Role   Role
}

// ErrNotMember is returned when a device is not a member of a workspace.
var ErrNotMember = errors.New("not a member of the workspace")

// ErrRoleTooLow is returned when a member's role does not allow a change:
// guests read, participants edit records, managers also design and invite.
var ErrRoleTooLow = errors.New("role does not allow this change")

// Members are workspace data: each is an item in the design scope, synced
// like the tools and written only by managers, with units
//
//	existence unit   state byte (1 member, 0 removed), kind byte ('M')
//	unitMemberDevice the device ID (32 bytes)
//	unitToolName     the member's display name
//	unitMemberRole   one byte: the Role
var (
	unitMemberDevice = uuid.UUID{15: 3}
	unitMemberRole   = uuid.UUID{15: 4}
	memberNamespace  = uuid.MustParse("5c1f0b0e-6a43-4f1e-9d55-0f6b3c1a7e21")
)

const kindMember = 'M'

// memberItemID is the design item of a device's membership: the same on
// every replica, so concurrent edits of one membership conflict.
func memberItemID(dev identity.DeviceID) uuid.UUID { return uuid.NewSHA1(memberNamespace, dev[:]) }

// writeMember writes a membership as a local edit of the design scope.
func (st *scopeTx) writeMember(m Member) error {
	if m.Role < RoleGuest || m.Role > RoleManager {
		return fmt.Errorf("member %s: %v: %w", m.Device.Short(), m.Role, ErrInvalidInput)
	}
	writes := []unitWrite{
		{unit: existenceUnit, value: []byte{stateAlive, kindMember}},
		{unit: unitToolName, value: []byte(m.Name)},
		{unit: unitMemberDevice, value: append([]byte(nil), m.Device[:]...)},
		{unit: unitMemberRole, value: []byte{byte(m.Role)}},
	}
	if _, _, err := st.localWrite(memberItemID(m.Device), writes, nil); err != nil {
		return fmt.Errorf("write member %s: %w", m.Device.Short(), err)
	}
	return nil
}

// memberFromItem reads a membership item; ok is false for other kinds and
// removed members.
func memberFromItem(it *item) (Member, bool) {
	ex := it.unit(existenceUnit)
	if ex == nil || len(ex.versions[0].value) != 2 || ex.versions[0].value[0] != stateAlive || ex.versions[0].value[1] != kindMember {
		return Member{}, false
	}
	var m Member
	dev, role := it.unit(unitMemberDevice), it.unit(unitMemberRole)
	if dev == nil || role == nil || len(dev.versions[0].value) != len(m.Device) || len(role.versions[0].value) != 1 {
		return Member{}, false
	}
	copy(m.Device[:], dev.versions[0].value)
	m.Role = Role(role.versions[0].value[0])
	if m.Role < RoleGuest || m.Role > RoleManager || memberItemID(m.Device) != it.id {
		return Member{}, false
	}
	if n := it.unit(unitToolName); n != nil {
		m.Name = string(n.versions[0].value)
	}
	return m, true
}

// memberOf reads one device's membership inside a transaction.
func (st *scopeTx) memberOf(dev identity.DeviceID) (Member, bool, error) {
	it, err := st.getItem(memberItemID(dev))
	if err != nil || it == nil {
		return Member{}, false, err
	}
	m, ok := memberFromItem(it)
	return m, ok, nil
}

// Members lists a workspace's members sorted by name.
func (s *Store) Members(ws uuid.UUID) ([]Member, error) {
	var out []Member
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		return st.items.ForEach(func(k, v []byte) error {
			it, err := decodeItem(uuid.UUID(k), v, false)
			if err != nil {
				return err
			}
			if m, ok := memberFromItem(it); ok {
				out = append(out, m)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// PutMember adds or changes a member of a workspace. Only a manager may:
// this device must be one.
func (s *Store) PutMember(ws uuid.UUID, m Member) error {
	m.Name = strings.TrimSpace(m.Name)
	if err := checkName(m.Name, true); err != nil {
		return fmt.Errorf("put member: %w", err)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		if err := st.requireLocalRole(RoleManager); err != nil {
			return err
		}
		if err := st.writeMember(m); err != nil {
			return err
		}
		return st.flush()
	})
	if err != nil {
		return fmt.Errorf("put member: %w", err)
	}
	return nil
}

// MemberOf returns the membership of device in ws, or ok false.
func (s *Store) MemberOf(ws uuid.UUID, device identity.DeviceID) (m Member, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		m, ok, err = st.memberOf(device)
		return err
	})
	return m, ok, err
}

// requireLocalRole checks this device's own role before a local edit.
func (st *scopeTx) requireLocalRole(min Role) error {
	dev, err := readDevice(st.tx)
	if err != nil {
		return err
	}
	return st.requireRole(dev.ID, min)
}

// requireRole checks a device's role in the workspace. A device the
// membership does not name yet counts as a manager when it is this
// replica's trusted inviter (the bootstrap of a joined workspace).
func (st *scopeTx) requireRole(dev identity.DeviceID, min Role) error {
	ds := st
	if st.scope != ScopeDesign {
		var err error
		if ds, err = st.s.openScope(st.tx, st.wsID, ScopeDesign); err != nil {
			return err
		}
	}
	m, ok, err := ds.memberOf(dev)
	if err != nil {
		return err
	}
	if !ok {
		if inv := st.ws.Get(keyInviter); inv != nil && bytes.Equal(inv, dev[:]) {
			return nil
		}
		return fmt.Errorf("device %s: %w", dev.Short(), ErrNotMember)
	}
	if m.Role < min {
		return fmt.Errorf("%s %q (%s): %w", m.Role, m.Name, dev.Short(), ErrRoleTooLow)
	}
	return nil
}

// Trusts reports whether this replica of ws may sync with dev: dev is a
// member, or the inviter this replica trusts until the membership arrives.
func (s *Store) Trusts(ws uuid.UUID, dev identity.DeviceID) (bool, error) {
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		st, err := s.openScope(tx, ws, ScopeDesign)
		if err != nil {
			return err
		}
		err = st.requireRole(dev, RoleGuest)
		ok = err == nil
		if errors.Is(err, ErrNotMember) {
			err = nil
		}
		return err
	})
	return ok, err
}
