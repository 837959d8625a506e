package replica

import (
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

const memberFormat = 1

func putMember(wb *bolt.Bucket, m Member) error {
	if m.Role < RoleGuest || m.Role > RoleManager {
		return fmt.Errorf("member %s: %v: %w", m.Device.Short(), m.Role, ErrInvalidInput)
	}
	e := encoder{}
	e.byte1(memberFormat)
	e.str(m.Name)
	e.byte1(byte(m.Role))
	if err := wb.Bucket(wsMembers).Put(m.Device[:], e.b); err != nil {
		return fmt.Errorf("put member %s: %w", m.Device.Short(), err)
	}
	return nil
}

func decodeMember(k, v []byte) (Member, error) {
	var m Member
	if len(k) != len(m.Device) {
		return m, fmt.Errorf("member key of %d bytes: %w", len(k), ErrCorrupt)
	}
	copy(m.Device[:], k)
	d := decoder{b: v}
	if d.byte1() != memberFormat {
		d.fail("unknown member format")
	}
	m.Name = d.str()
	m.Role = Role(d.byte1())
	if err := d.done(); err != nil {
		return Member{}, fmt.Errorf("decode member %s: %w", m.Device.Short(), err)
	}
	return m, nil
}

// Members lists a workspace's members sorted by name.
func (s *Store) Members(ws uuid.UUID) ([]Member, error) {
	var out []Member
	err := s.db.View(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		return wb.Bucket(wsMembers).ForEach(func(k, v []byte) error {
			m, err := decodeMember(k, v)
			out = append(out, m)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// PutMember adds or updates a member of a workspace.
func (s *Store) PutMember(ws uuid.UUID, m Member) error {
	m.Name = strings.TrimSpace(m.Name)
	if err := checkName(m.Name, true); err != nil {
		return fmt.Errorf("put member: %w", err)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		return putMember(wb, m)
	})
}

// MemberOf returns the membership of device in ws, or ok false.
func (s *Store) MemberOf(ws uuid.UUID, device identity.DeviceID) (m Member, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		v := wb.Bucket(wsMembers).Get(device[:])
		if v == nil {
			return nil
		}
		m, err = decodeMember(device[:], v)
		ok = err == nil
		return err
	})
	return m, ok, err
}
