package replica

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	bolt "go.etcd.io/bbolt"
)

// Direction says which way a sync mapping moves changes.
type Direction uint8

// Directions of a mapping.
const (
	// Both pushes and pulls.
	Both Direction = 1
	// Push sends local changes to the partner only.
	Push Direction = 2
	// Pull receives the partner's changes only.
	Pull Direction = 3
)

// String returns the direction's name.
func (d Direction) String() string {
	switch d {
	case Both:
		return "both"
	case Push:
		return "push"
	case Pull:
		return "pull"
	}
	return fmt.Sprintf("direction(%d)", uint8(d))
}

// ParseDirection parses "both", "push" or "pull".
func ParseDirection(s string) (Direction, error) {
	for _, d := range []Direction{Both, Push, Pull} {
		if d.String() == s {
			return d, nil
		}
	}
	return 0, fmt.Errorf("direction %q: want both, push or pull: %w", s, ErrInvalidInput)
}

// Mapping is a replica's stored relationship with one sync partner. It names
// the partner by identity only: its address comes from discovery or the
// last address that worked. A partner may have several mappings.
type Mapping struct {
	ID        uuid.UUID
	Workspace uuid.UUID
	Partner   identity.DeviceID
	Direction Direction
	Scopes    []Scope
	// Interval is the automatic sync schedule; 0 means on change only.
	Interval time.Duration
	// LastSync is when a session with this mapping last completed.
	LastSync time.Time
}

const mappingFormat = 1

func encodeMapping(m Mapping) []byte {
	e := encoder{}
	e.byte1(mappingFormat)
	e.raw(m.Partner[:])
	e.byte1(byte(m.Direction))
	e.uvarint(uint64(len(m.Scopes)))
	for _, s := range m.Scopes {
		e.byte1(byte(s))
	}
	e.uvarint(uint64(m.Interval / time.Millisecond))
	var last int64
	if !m.LastSync.IsZero() {
		last = m.LastSync.UnixMilli()
	}
	e.varint(last)
	return e.b
}

func decodeMapping(ws uuid.UUID, k, v []byte) (Mapping, error) {
	m := Mapping{ID: uuid.UUID(k), Workspace: ws}
	d := decoder{b: v}
	if d.byte1() != mappingFormat {
		d.fail("unknown mapping format")
	}
	copy(m.Partner[:], d.raw(32))
	m.Direction = Direction(d.byte1())
	n := d.uvarint()
	if n > uint64(len(Scopes)) {
		d.fail("too many scopes")
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		m.Scopes = append(m.Scopes, Scope(d.byte1()))
	}
	iv := d.uvarint()
	if iv > uint64(365*24*time.Hour/time.Millisecond) {
		d.fail("interval out of range")
	}
	m.Interval = time.Duration(iv) * time.Millisecond
	if ms := d.varint(); ms != 0 {
		m.LastSync = time.UnixMilli(ms).UTC()
	}
	if err := d.done(); err != nil {
		return Mapping{}, fmt.Errorf("decode mapping %s: %w", m.ID, err)
	}
	return m, nil
}

// PutMapping stores a mapping (a new ID when m.ID is uuid.Nil) and returns it.
func (s *Store) PutMapping(m Mapping) (Mapping, error) {
	if m.Direction < Both || m.Direction > Pull || len(m.Scopes) == 0 || m.Interval < 0 {
		return Mapping{}, fmt.Errorf("put mapping: direction and scopes required: %w", ErrInvalidInput)
	}
	if m.ID == uuid.Nil {
		m.ID = uuid.New()
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, m.Workspace)
		if err != nil {
			return err
		}
		return wb.Bucket(wsMappings).Put(m.ID[:], encodeMapping(m))
	})
	if err != nil {
		return Mapping{}, fmt.Errorf("put mapping: %w", err)
	}
	return m, nil
}

// Mappings lists the mappings of a workspace, or of every workspace when ws
// is uuid.Nil.
func (s *Store) Mappings(ws uuid.UUID) ([]Mapping, error) {
	var out []Mapping
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWS).ForEachBucket(func(k []byte) error {
			id := uuid.UUID(k)
			if ws != uuid.Nil && id != ws {
				return nil
			}
			return tx.Bucket(bucketWS).Bucket(k).Bucket(wsMappings).ForEach(func(mk, mv []byte) error {
				m, err := decodeMapping(id, mk, mv)
				out = append(out, m)
				return err
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list mappings: %w", err)
	}
	return out, nil
}

// PeerAddress is the last address at which a partner device answered.
type PeerAddress struct {
	Device identity.DeviceID
	Addr   string
	Seen   time.Time
}

func encodePeerAddress(p PeerAddress) []byte {
	e := encoder{}
	e.byte1(1)
	e.str(p.Addr)
	e.varint(p.Seen.UnixMilli())
	return e.b
}

func decodePeerAddress(dev identity.DeviceID, v []byte) (PeerAddress, error) {
	d := decoder{b: v}
	if d.byte1() != 1 {
		d.fail("unknown peer format")
	}
	p := PeerAddress{Device: dev, Addr: d.str(), Seen: time.UnixMilli(d.varint()).UTC()}
	return p, d.done()
}

// SetPeerAddress records the address that last worked for a device.
func (s *Store) SetPeerAddress(ws uuid.UUID, p PeerAddress) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		return wb.Bucket(wsPeers).Put(p.Device[:], encodePeerAddress(p))
	})
	if err != nil {
		return fmt.Errorf("set peer address: %w", err)
	}
	return nil
}

// PeerAddress returns the last address that worked for a device, if any.
func (s *Store) PeerAddress(ws uuid.UUID, dev identity.DeviceID) (PeerAddress, bool, error) {
	var p PeerAddress
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		v := wb.Bucket(wsPeers).Get(dev[:])
		if v == nil {
			return nil
		}
		p, err = decodePeerAddress(dev, v)
		ok = err == nil
		return err
	})
	if err != nil {
		return PeerAddress{}, false, fmt.Errorf("peer address: %w", err)
	}
	return p, ok, nil
}

// NoteSync records a completed session with a partner in one transaction:
// the address that worked and, for each of the partner's mappings in ws,
// the time of the last sync.
func (s *Store) NoteSync(ws uuid.UUID, partner identity.DeviceID, addr string, when time.Time) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		wb, err := workspaceBucket(tx, ws)
		if err != nil {
			return err
		}
		if addr != "" {
			if err := wb.Bucket(wsPeers).Put(partner[:], encodePeerAddress(PeerAddress{Device: partner, Addr: addr, Seen: when})); err != nil {
				return err
			}
		}
		mb := wb.Bucket(wsMappings)
		c := mb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			m, err := decodeMapping(ws, k, v)
			if err != nil {
				return err
			}
			if m.Partner != partner {
				continue
			}
			m.LastSync = when.UTC()
			if err := mb.Put(k, encodeMapping(m)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("note sync: %w", err)
	}
	return nil
}
