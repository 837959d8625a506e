package replica

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/google/uuid"
)

// Limits on stored and received items. They bound what a decoder allocates
// for hostile input.
const (
	// MaxUnitsPerItem bounds the change units of one item (record or design
	// element): a tool has at most a few hundred fields.
	MaxUnitsPerItem = 4096
	// MaxVersionsPerUnit bounds the concurrent versions kept for one unit.
	MaxVersionsPerUnit = 256
	// MaxValueBytes bounds one unit value.
	MaxValueBytes = 1 << 20
	// MaxItemBytes bounds the encoded size of one item.
	MaxItemBytes = 16 << 20
)

// ErrCorrupt is returned when stored or received item bytes do not decode.
var ErrCorrupt = errors.New("malformed item")

// existenceUnit is the unit ID of an item's existence unit (create/delete).
var existenceUnit = uuid.Nil

// Version flags.
const (
	// flagRefused marks a version a server refused; it is kept, never dropped.
	flagRefused uint8 = 1 << 0
	flagMask          = flagRefused
)

// version is one version of a change unit, with replica as a local replica key.
type version struct {
	replica uint32
	tick    uint64
	hlc     HLC
	flags   uint8
	value   []byte
}

// unit is one change unit's state: its concurrent versions, winner first.
type unit struct {
	id       uuid.UUID
	versions []version
	ctx      []dot // explicit causal context beyond the versions, by replica
}

// item is a record or design element: its units sorted by unit ID.
type item struct {
	id    uuid.UUID
	units []unit
}

// unitIndex returns the position of unit id, or -1.
func (it *item) unitIndex(id uuid.UUID) int {
	i := sort.Search(len(it.units), func(i int) bool {
		return bytes.Compare(it.units[i].id[:], id[:]) >= 0
	})
	if i < len(it.units) && it.units[i].id == id {
		return i
	}
	return -1
}

// unit returns unit id, or nil.
func (it *item) unit(id uuid.UUID) *unit {
	if i := it.unitIndex(id); i >= 0 {
		return &it.units[i]
	}
	return nil
}

// setUnit replaces or inserts unit u, keeping units sorted.
func (it *item) setUnit(u unit) {
	if n := len(it.units); n == 0 || bytes.Compare(it.units[n-1].id[:], u.id[:]) < 0 {
		it.units = append(it.units, u)
		return
	}
	i := sort.Search(len(it.units), func(i int) bool {
		return bytes.Compare(it.units[i].id[:], u.id[:]) >= 0
	})
	if i < len(it.units) && it.units[i].id == u.id {
		it.units[i] = u
		return
	}
	it.units = append(it.units, unit{})
	copy(it.units[i+1:], it.units[i:])
	it.units[i] = u
}

// versionRef names a version without its value.
type versionRef struct {
	replica uint32
	tick    uint64
}

// refs appends the distinct versions referenced by the item's units.
func (it *item) refs(dst []versionRef) []versionRef {
	for _, u := range it.units {
		for _, v := range u.versions {
			r := versionRef{v.replica, v.tick}
			dup := false
			for _, have := range dst {
				if have == r {
					dup = true
					break
				}
			}
			if !dup {
				dst = append(dst, r)
			}
		}
	}
	return dst
}

// Item encoding, the value stored under the item ID in a scope's items bucket
// and the payload of one item in a sync batch:
//
//	byte     format (1)
//	uvarint  unit count (>= 1)
//	per unit, in ascending unit-ID order:
//	  [16]byte unit ID
//	  uvarint  version count (>= 1)
//	  per version:
//	    uvarint  replica key (local key in storage, table index on the wire)
//	    uvarint  tick (>= 1)
//	    [8]byte  HLC, big-endian
//	    byte     flags (bit 0: refused)
//	    uvarint  value length, then the value bytes
//	  uvarint  explicit context entries, then per entry in ascending replica
//	           order: uvarint replica, uvarint tick (>= 1). See context.go.
const itemFormat = 1

// appendItem encodes it after b.
func appendItem(b []byte, it *item) []byte {
	b = append(b, itemFormat)
	b = binary.AppendUvarint(b, uint64(len(it.units)))
	for _, u := range it.units {
		b = append(b, u.id[:]...)
		b = binary.AppendUvarint(b, uint64(len(u.versions)))
		for _, v := range u.versions {
			b = binary.AppendUvarint(b, uint64(v.replica))
			b = binary.AppendUvarint(b, v.tick)
			b = binary.BigEndian.AppendUint64(b, uint64(v.hlc))
			b = append(b, v.flags)
			b = binary.AppendUvarint(b, uint64(len(v.value)))
			b = append(b, v.value...)
		}
		b = binary.AppendUvarint(b, uint64(len(u.ctx)))
		for _, d := range u.ctx {
			b = binary.AppendUvarint(b, uint64(d.replica))
			b = binary.AppendUvarint(b, d.tick)
		}
	}
	return b
}

// itemDecoder reads item bytes strictly.
type itemDecoder struct {
	b   []byte
	off int
}

func (d *itemDecoder) uvarint(what string) (uint64, error) {
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		return 0, fmt.Errorf("%s at byte %d: bad varint: %w", what, d.off, ErrCorrupt)
	}
	if n > 1 && d.b[d.off+n-1] == 0 {
		return 0, fmt.Errorf("%s at byte %d: non-minimal varint: %w", what, d.off, ErrCorrupt)
	}
	d.off += n
	return v, nil
}

func (d *itemDecoder) bytes(n int, what string) ([]byte, error) {
	if n < 0 || len(d.b)-d.off < n {
		return nil, fmt.Errorf("%s at byte %d: truncated: %w", what, d.off, ErrCorrupt)
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

// decodeItem decodes an item. The returned values alias b when alias is true
// (b must then outlive the item); otherwise they are copied, as required for
// bytes read from a bbolt transaction that will end.
func decodeItem(id uuid.UUID, b []byte, alias bool) (*item, error) {
	it, n, err := decodeItemPrefix(id, b, alias)
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, fmt.Errorf("item %s: %d trailing bytes: %w", id, len(b)-n, ErrCorrupt)
	}
	return it, nil
}

// decodeItemPrefix decodes an item at the start of b and returns the bytes used.
func decodeItemPrefix(id uuid.UUID, b []byte, alias bool) (*item, int, error) {
	if len(b) > MaxItemBytes {
		return nil, 0, fmt.Errorf("item %s: %d bytes exceeds %d: %w", id, len(b), MaxItemBytes, ErrCorrupt)
	}
	d := itemDecoder{b: b}
	if len(b) == 0 || b[0] != itemFormat {
		return nil, 0, fmt.Errorf("item %s: unknown format: %w", id, ErrCorrupt)
	}
	d.off = 1
	n, err := d.uvarint("unit count")
	if err != nil {
		return nil, 0, fmt.Errorf("item %s: %w", id, err)
	}
	// Each unit takes at least 16+1+(1+1+8+1+1)+1 bytes: check before allocating.
	if n == 0 || n > MaxUnitsPerItem || n > uint64(len(b)-d.off)/30 {
		return nil, 0, fmt.Errorf("item %s: unit count %d: %w", id, n, ErrCorrupt)
	}
	it := &item{id: id, units: make([]unit, n)}
	for i := range it.units {
		if err := d.unit(&it.units[i], alias); err != nil {
			return nil, 0, fmt.Errorf("item %s unit %d: %w", id, i, err)
		}
		if i > 0 && bytes.Compare(it.units[i-1].id[:], it.units[i].id[:]) >= 0 {
			return nil, 0, fmt.Errorf("item %s unit %d: units out of order: %w", id, i, ErrCorrupt)
		}
	}
	return it, d.off, nil
}

func (d *itemDecoder) unit(u *unit, alias bool) error {
	idb, err := d.bytes(16, "unit ID")
	if err != nil {
		return err
	}
	copy(u.id[:], idb)
	n, err := d.uvarint("version count")
	if err != nil {
		return err
	}
	if n == 0 || n > MaxVersionsPerUnit || n > uint64(len(d.b)-d.off)/12 {
		return fmt.Errorf("version count %d: %w", n, ErrCorrupt)
	}
	u.versions = make([]version, n)
	for i := range u.versions {
		if err := d.version(&u.versions[i], alias); err != nil {
			return fmt.Errorf("version %d: %w", i, err)
		}
		for j := 0; j < i; j++ {
			if u.versions[j].replica == u.versions[i].replica {
				// One replica's versions of a unit are ordered: never concurrent.
				return fmt.Errorf("version %d: two versions of one replica: %w", i, ErrCorrupt)
			}
		}
	}
	return d.context(u)
}

func (d *itemDecoder) context(u *unit) error {
	n, err := d.uvarint("context count")
	if err != nil {
		return err
	}
	if n > maxDots || n > uint64(len(d.b)-d.off)/2 {
		return fmt.Errorf("context count %d: %w", n, ErrCorrupt)
	}
	if n == 0 {
		return nil
	}
	u.ctx = make([]dot, n)
	for i := range u.ctx {
		r, err := d.uvarint("context replica")
		if err != nil {
			return err
		}
		t, err := d.uvarint("context tick")
		if err != nil {
			return err
		}
		if r > 1<<32-1 || t == 0 || (i > 0 && uint32(r) <= u.ctx[i-1].replica) {
			return fmt.Errorf("context entry %d: %w", i, ErrCorrupt)
		}
		for _, v := range u.versions {
			if v.replica == uint32(r) {
				// Implied by the version itself, or contradicting it.
				return fmt.Errorf("context entry %d: replica has a current version: %w", i, ErrCorrupt)
			}
		}
		u.ctx[i] = dot{uint32(r), t}
	}
	return nil
}

func (d *itemDecoder) version(v *version, alias bool) error {
	r, err := d.uvarint("replica")
	if err != nil {
		return err
	}
	if r > 1<<32-1 {
		return fmt.Errorf("replica %d: %w", r, ErrCorrupt)
	}
	t, err := d.uvarint("tick")
	if err != nil {
		return err
	}
	if t == 0 {
		return fmt.Errorf("tick 0: %w", ErrCorrupt)
	}
	h, err := d.bytes(9, "clock and flags")
	if err != nil {
		return err
	}
	if h[8]&^flagMask != 0 {
		return fmt.Errorf("unknown flags %#x: %w", h[8], ErrCorrupt)
	}
	n, err := d.uvarint("value length")
	if err != nil {
		return err
	}
	if n > MaxValueBytes {
		return fmt.Errorf("value of %d bytes exceeds %d: %w", n, MaxValueBytes, ErrCorrupt)
	}
	val, err := d.bytes(int(n), "value")
	if err != nil {
		return err
	}
	if !alias && len(val) > 0 {
		val = bytes.Clone(val)
	}
	if len(val) == 0 {
		val = nil
	}
	*v = version{replica: uint32(r), tick: t, hlc: HLC(binary.BigEndian.Uint64(h)), flags: h[8], value: val}
	return nil
}
