package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/grove-team/grove/replica/knowledge"
)

// Protocol versions this code speaks.
const (
	Version       = 1
	OldestVersion = 1
)

// Limits on what one message may hold.
const (
	MaxDefs     = 1 << 12
	MaxScopes   = 16
	MaxItems    = 1 << 16
	MaxUnits    = 4096
	MaxVersions = 256
	MaxContext  = 4096
	MaxValue    = 1 << 20
	MaxMessage  = 4096
)

var magic = [5]byte{'G', 'R', 'O', 'V', 'E'}

// Hello opens each side of a connection. ListenPort is the port the
// sender accepts sync connections on (0: none), so the peer can call back.
type Hello struct {
	Version, Oldest uint64
	ListenPort      uint64
}

// AppendBinary encodes h.
func (h Hello) AppendBinary(b []byte) []byte {
	b = append(b, magic[:]...)
	b = binary.AppendUvarint(b, h.Version)
	b = binary.AppendUvarint(b, h.Oldest)
	return binary.AppendUvarint(b, h.ListenPort)
}

// ParseHello decodes a Hello body.
func ParseHello(b []byte) (Hello, error) {
	r := reader{b: b}
	if m := r.raw(5, "magic"); r.err == nil && string(m) != string(magic[:]) {
		r.fail("not a Grove peer")
	}
	h := Hello{Version: r.uvarint("version"), Oldest: r.uvarint("oldest version"), ListenPort: r.uvarint("listen port")}
	if r.err == nil && (h.Oldest > h.Version || h.Oldest == 0 || h.ListenPort > 65535) {
		r.fail("version range or port")
	}
	return h, wrap("hello", r.done())
}

// Replica is a replica definition.
type Replica struct {
	ID     [16]byte
	Device [32]byte
}

func appendDefs(b []byte, defs []Replica) []byte {
	b = binary.AppendUvarint(b, uint64(len(defs)))
	for _, d := range defs {
		b = append(b, d.ID[:]...)
		b = append(b, d.Device[:]...)
	}
	return b
}

func (r *reader) defs() []Replica {
	n := r.count("definitions", MaxDefs, 48)
	if n == 0 {
		return nil
	}
	out := make([]Replica, n)
	for i := range out {
		out[i].ID = r.id16("replica ID")
		copy(out[i].Device[:], r.raw(32, "device ID"))
	}
	return out
}

// ScopeKnowledge is one scope's knowledge.
type ScopeKnowledge struct {
	Scope     byte
	Knowledge *knowledge.Knowledge
}

func appendScopes(b []byte, sks []ScopeKnowledge) []byte {
	b = binary.AppendUvarint(b, uint64(len(sks)))
	for _, sk := range sks {
		b = append(b, sk.Scope)
		k := sk.Knowledge
		if k == nil {
			k = knowledge.New()
		}
		b = k.AppendBinary(b)
	}
	return b
}

func (r *reader) scopes() []ScopeKnowledge {
	n := r.count("scopes", MaxScopes, 2)
	var out []ScopeKnowledge
	for i := 0; i < n && r.err == nil; i++ {
		sk := ScopeKnowledge{Scope: r.byte1("scope")}
		for _, prev := range out {
			if prev.Scope == sk.Scope {
				r.fail("scope given twice")
			}
		}
		sk.Knowledge = r.knowledge("knowledge")
		out = append(out, sk)
	}
	return out
}

// Directions of a Sync request.
const (
	Both byte = 1
	Push byte = 2
	Pull byte = 3
)

// Sync asks the server for a session.
type Sync struct {
	Defs      []Replica
	Workspace [16]byte
	Mapping   [16]byte
	Direction byte
	Scopes    []ScopeKnowledge
}

// AppendBinary encodes s.
func (s *Sync) AppendBinary(b []byte) []byte {
	b = appendDefs(b, s.Defs)
	b = append(b, s.Workspace[:]...)
	b = append(b, s.Mapping[:]...)
	b = append(b, s.Direction)
	return appendScopes(b, s.Scopes)
}

// ParseSync decodes a Sync body.
func ParseSync(b []byte) (*Sync, error) {
	r := reader{b: b}
	s := &Sync{Defs: r.defs(), Workspace: r.id16("workspace"), Mapping: r.id16("mapping"), Direction: r.byte1("direction")}
	if r.err == nil && (s.Direction < Both || s.Direction > Pull) {
		r.fail("direction")
	}
	s.Scopes = r.scopes()
	if r.err == nil && len(s.Scopes) == 0 {
		r.fail("no scopes")
	}
	return s, wrap("sync", r.done())
}

// Join asks to join a workspace with an invitation secret.
type Join struct {
	Workspace [16]byte
	Secret    [32]byte
	Name      string // the joining member's display name
}

// AppendBinary encodes j.
func (j Join) AppendBinary(b []byte) []byte {
	b = append(b, j.Workspace[:]...)
	b = append(b, j.Secret[:]...)
	return appendString(b, j.Name)
}

// ParseJoin decodes a Join body.
func ParseJoin(b []byte) (Join, error) {
	r := reader{b: b}
	j := Join{Workspace: r.id16("workspace")}
	copy(j.Secret[:], r.raw(32, "secret"))
	j.Name = r.str("name", 400)
	return j, wrap("join", r.done())
}

// Accepted answers a Join.
type Accepted struct {
	Role uint64
	Name string
}

// AppendBinary encodes a.
func (a Accepted) AppendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, a.Role)
	return appendString(b, a.Name)
}

// ParseAccepted decodes an Accepted body.
func ParseAccepted(b []byte) (Accepted, error) {
	r := reader{b: b}
	a := Accepted{Role: r.uvarint("role"), Name: r.str("name", MaxMessage)}
	return a, wrap("accepted", r.done())
}

// Version is one version of a unit.
type VersionData struct {
	Replica uint64
	Tick    uint64
	HLC     uint64
	Flags   byte
	Value   []byte
}

// Dot names a superseded version in a unit's context.
type Dot struct {
	Replica uint64
	Tick    uint64
}

// Unit is one unit's state.
type Unit struct {
	ID       [16]byte
	Versions []VersionData
	Context  []Dot
}

// Item is one item's changed units.
type Item struct {
	ID    [16]byte
	Units []Unit
}

// Batch carries changes of one scope.
type Batch struct {
	Defs  []Replica
	Scope byte
	Items []Item
}

// AppendBinary encodes b.
func (bt *Batch) AppendBinary(b []byte) []byte {
	b = appendDefs(b, bt.Defs)
	b = append(b, bt.Scope)
	b = binary.AppendUvarint(b, uint64(len(bt.Items)))
	for _, it := range bt.Items {
		b = append(b, it.ID[:]...)
		b = binary.AppendUvarint(b, uint64(len(it.Units)))
		for _, u := range it.Units {
			b = append(b, u.ID[:]...)
			b = binary.AppendUvarint(b, uint64(len(u.Versions)))
			for _, v := range u.Versions {
				b = binary.AppendUvarint(b, v.Replica)
				b = binary.AppendUvarint(b, v.Tick)
				b = binary.BigEndian.AppendUint64(b, v.HLC)
				b = append(b, v.Flags)
				b = binary.AppendUvarint(b, uint64(len(v.Value)))
				b = append(b, v.Value...)
			}
			b = binary.AppendUvarint(b, uint64(len(u.Context)))
			for _, d := range u.Context {
				b = binary.AppendUvarint(b, d.Replica)
				b = binary.AppendUvarint(b, d.Tick)
			}
		}
	}
	return b
}

// ParseBatch decodes a Batch body. Values alias b.
func ParseBatch(b []byte) (*Batch, error) {
	r := reader{b: b}
	bt := &Batch{Defs: r.defs(), Scope: r.byte1("scope")}
	n := r.count("items", MaxItems, 18)
	if n > 0 {
		bt.Items = make([]Item, n)
	}
	for i := range bt.Items {
		if r.err != nil {
			break
		}
		bt.Items[i] = r.item()
	}
	return bt, wrap("batch", r.done())
}

func (r *reader) item() Item {
	it := Item{ID: r.id16("item ID")}
	n := r.count("units", MaxUnits, 30)
	if n > 0 {
		it.Units = make([]Unit, n)
	}
	for i := range it.Units {
		if r.err != nil {
			break
		}
		u := &it.Units[i]
		u.ID = r.id16("unit ID")
		nv := r.count("versions", MaxVersions, 12)
		if nv == 0 && r.err == nil {
			r.fail("unit without versions")
		}
		u.Versions = make([]VersionData, nv)
		for j := range u.Versions {
			v := &u.Versions[j]
			v.Replica = r.uvarint("replica")
			v.Tick = r.uvarint("tick")
			if r.err == nil && v.Tick == 0 {
				r.fail("tick 0")
			}
			if p := r.raw(8, "HLC"); p != nil {
				v.HLC = binary.BigEndian.Uint64(p)
			}
			v.Flags = r.byte1("flags")
			v.Value = r.raw(r.count("value length", MaxValue, 1), "value")
		}
		nc := r.count("context", MaxContext, 2)
		if nc > 0 {
			u.Context = make([]Dot, nc)
		}
		for j := range u.Context {
			u.Context[j] = Dot{Replica: r.uvarint("context replica"), Tick: r.uvarint("context tick")}
		}
	}
	return it
}

// Done ends a source's sending with its snapshot knowledge.
type Done struct {
	Defs   []Replica
	Scopes []ScopeKnowledge
}

// AppendBinary encodes d.
func (d *Done) AppendBinary(b []byte) []byte {
	return appendScopes(appendDefs(b, d.Defs), d.Scopes)
}

// ParseDone decodes a Done body.
func ParseDone(b []byte) (*Done, error) {
	r := reader{b: b}
	d := &Done{Defs: r.defs(), Scopes: r.scopes()}
	return d, wrap("done", r.done())
}

// Ack ends a session from the server's side.
type Ack struct {
	Applied, Conflicts uint64
}

// AppendBinary encodes a.
func (a Ack) AppendBinary(b []byte) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(b, a.Applied), a.Conflicts)
}

// ParseAck decodes an Ack body.
func ParseAck(b []byte) (Ack, error) {
	r := reader{b: b}
	a := Ack{Applied: r.uvarint("applied"), Conflicts: r.uvarint("conflicts")}
	return a, wrap("ack", r.done())
}

// Refusal codes.
const (
	CodeUnknown        = 0
	CodeVersion        = 1
	CodeNoWorkspace    = 2
	CodeNotMember      = 3
	CodeRoleTooLow     = 4
	CodeBadInvitation  = 5
	CodeMalformed      = 6
	CodeKnowledgeClaim = 7
	CodeInternal       = 8
	CodeRefusedChanges = 9
	// CodeUnsignedDesign refuses a batch whose design changes were not
	// signed by the workspace's server (connected mode).
	CodeUnsignedDesign = 10
)

// Refuse ends a session with a reason.
type Refuse struct {
	Code    uint64
	Message string
}

// AppendBinary encodes f.
func (f Refuse) AppendBinary(b []byte) []byte {
	return appendString(binary.AppendUvarint(b, f.Code), f.Message)
}

// ParseRefuse decodes a Refuse body.
func ParseRefuse(b []byte) (Refuse, error) {
	r := reader{b: b}
	f := Refuse{Code: r.uvarint("code"), Message: r.str("message", MaxMessage)}
	return f, wrap("refuse", r.done())
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}

// Status asks how many changes each side lacks, without moving them.
type Status struct {
	Defs      []Replica
	Workspace [16]byte
	Scopes    []ScopeKnowledge // the client's knowledge
}

// AppendBinary encodes s.
func (s *Status) AppendBinary(b []byte) []byte {
	b = appendDefs(b, s.Defs)
	b = append(b, s.Workspace[:]...)
	return appendScopes(b, s.Scopes)
}

// ParseStatus decodes a Status body.
func ParseStatus(b []byte) (*Status, error) {
	r := reader{b: b}
	s := &Status{Defs: r.defs(), Workspace: r.id16("workspace"), Scopes: r.scopes()}
	return s, wrap("status", r.done())
}

// StatusReply answers Status: per scope, how many of the server's changes
// the client lacks, and the server's knowledge (so the client can count
// what the server lacks).
type StatusReply struct {
	Defs   []Replica
	Lacks  []uint64 // per scope, in the order of Scopes
	Scopes []ScopeKnowledge
}

// AppendBinary encodes s.
func (s *StatusReply) AppendBinary(b []byte) []byte {
	b = appendDefs(b, s.Defs)
	b = binary.AppendUvarint(b, uint64(len(s.Lacks)))
	for _, n := range s.Lacks {
		b = binary.AppendUvarint(b, n)
	}
	return appendScopes(b, s.Scopes)
}

// ParseStatusReply decodes a StatusReply body.
func ParseStatusReply(b []byte) (*StatusReply, error) {
	r := reader{b: b}
	s := &StatusReply{Defs: r.defs()}
	n := r.count("lacks", MaxScopes, 1)
	for i := 0; i < n; i++ {
		s.Lacks = append(s.Lacks, r.uvarint("lacks"))
	}
	s.Scopes = r.scopes()
	if r.err == nil && len(s.Scopes) != len(s.Lacks) {
		r.fail("counts and scopes differ")
	}
	return s, wrap("status reply", r.done())
}
