// Package model is what the desktop app's screens know of the domain: plain
// types and small interfaces, implemented over the store by app/local and by
// fakes in tests (app/fake). It imports neither Fyne nor bbolt.
//
// # Seams
//
// Backend is the whole domain as the app sees it. Its store-backed parts
// (Home, Workspace) work today. Sync, Discovery and Sharing are placeholders
// until the sync, discovery and server work lands: app/local implements them
// with errors wrapping ErrNotAvailable, which the screens show as a calm
// note, and tests drive the screens with the fakes of app/fake.
//
// # Threads
//
// Every method may block on storage or the network: screens call them from
// their controller's goroutine, never from the Fyne thread. Subscriptions
// deliver Events on bounded channels; a subscriber that falls behind gets
// one Event of kind Resync instead of the events it missed.
package model

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

// Errors the screens tell apart. Test with errors.Is.
var (
	// ErrNotAvailable is returned by features whose machinery is not built
	// yet (sync, discovery, invitations, servers). The UI shows it as a
	// calm note, not a failure.
	ErrNotAvailable = errors.New("not available yet")
	// ErrNotFound is returned when a workspace, tool or record is gone
	// (deleted here or by someone else).
	ErrNotFound = errors.New("not found")
	// ErrNotAllowed is returned when this device's role does not allow a
	// change: guests read, participants edit records, managers also design
	// and invite.
	ErrNotAllowed = errors.New("your role does not allow this")
	// ErrInvalid is returned for input the domain refuses (an empty name, a
	// bad invitation code). The error text says what is wrong.
	ErrInvalid = errors.New("invalid input")
)

// Role is what a member may do in a workspace.
type Role uint8

// Roles, weakest first; the values match the store's.
const (
	RoleGuest       Role = 1
	RoleParticipant Role = 2
	RoleManager     Role = 3
)

// Roles lists the roles, weakest first.
var Roles = []Role{RoleGuest, RoleParticipant, RoleManager}

// String returns the role's name.
func (r Role) String() string {
	switch r {
	case RoleGuest:
		return "guest"
	case RoleParticipant:
		return "participant"
	case RoleManager:
		return "manager"
	}
	return fmt.Sprintf("role %d", uint8(r))
}

// Title returns the role's name capitalised, for labels.
func (r Role) Title() string {
	s := r.String()
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// CanEdit reports whether the role may change records.
func (r Role) CanEdit() bool { return r >= RoleParticipant }

// CanDesign reports whether the role may change designs and invite.
func (r Role) CanDesign() bool { return r >= RoleManager }

// ParseRole parses a role name as String returns it.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if r.String() == s || r.Title() == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("role %q: %w", s, ErrInvalid)
}

// Device is this installation.
type Device struct {
	// ID is the device ID in its grouped text form.
	ID string
	// Name is the device's display name.
	Name string
	// DataFolder is where the store lives.
	DataFolder string
}

// ShortID returns the first group of a device ID, for tight spaces.
func ShortID(id string) string {
	if len(id) > 13 {
		return id[:13]
	}
	return id
}

// WorkspaceSummary is one workspace as the home screen lists it.
type WorkspaceSummary struct {
	ID      uuid.UUID
	Name    string
	Tools   []string
	Records int
	// Unread counts records changed by others since this device last
	// looked at the workspace.
	Unread int
	// Members and Online count the members and those seen now.
	Members, Online int
	// Conflicts counts fields waiting for a person to resolve them.
	Conflicts int
	// Role is this device's role in the workspace.
	Role Role
}

// Row is one record reduced to what a table, calendar or board shows.
// Values are in the tool's field order as it was when the row was read.
type Row struct {
	ID         uuid.UUID
	Values     []schema.Value
	Created    time.Time
	Modified   time.Time
	ModifiedBy string // device ID
	Conflicts  int
}

// Version is one version of a field: the winner or a loser of a conflict.
type Version struct {
	Value schema.Value
	// Author is the device ID of the device that wrote it; AuthorName the
	// member's name when known.
	Author, AuthorName string
	// Replica names the writing replica (one per device and workspace).
	Replica string
	Time    time.Time
	Won     bool
	Refused bool
}

// FieldState is one field of a record with its versions.
type FieldState struct {
	Field  uuid.UUID
	Value  schema.Value
	Winner Version
	Losers []Version
}

// Record is one record with everything the form shows.
type Record struct {
	ID, Tool   uuid.UUID
	Deleted    bool
	Created    time.Time
	CreatedBy  string // device ID
	Modified   time.Time
	ModifiedBy string
	// Fields holds the fields that have a value or a conflict.
	Fields []FieldState
}

// Value returns a field's current value, or the empty value.
func (r *Record) Value(field uuid.UUID) schema.Value {
	if r == nil {
		return schema.Value{}
	}
	for _, f := range r.Fields {
		if f.Field == field {
			return f.Value
		}
	}
	return schema.Value{}
}

// State returns a field's state, or ok false.
func (r *Record) State(field uuid.UUID) (FieldState, bool) {
	if r != nil {
		for _, f := range r.Fields {
			if f.Field == field {
				return f, true
			}
		}
	}
	return FieldState{}, false
}

// Values returns the current values by field ID.
func (r *Record) Values() map[uuid.UUID]schema.Value {
	out := make(map[uuid.UUID]schema.Value, len(r.Fields))
	for _, f := range r.Fields {
		if !f.Value.IsEmpty() {
			out[f.Field] = f.Value
		}
	}
	return out
}

// Change is one entry of a field's history: who set which value when.
type Change struct {
	Field   uuid.UUID
	Version Version
}

// Conflict is one record field holding concurrent versions.
type Conflict struct {
	Workspace uuid.UUID
	Tool      uuid.UUID
	ToolName  string
	Record    uuid.UUID
	// Label names the record for people (its first text field).
	Label     string
	Field     uuid.UUID
	FieldName string
	// Existence is true when the record was deleted on one device and
	// edited on another; resolving it is restore or delete.
	Existence bool
	// Versions are the concurrent versions, the winner first.
	Versions []Version
}

// Refused is a change a server refused: kept, marked and shown.
type Refused struct {
	// Key names this refused version on every device, for DiscardRefused.
	Key      string
	Record   uuid.UUID
	Tool     uuid.UUID
	ToolName string
	Label    string
	// Field is the refused field; Existence is true instead when the
	// record's creation, deletion or restoration was refused.
	Field     uuid.UUID
	FieldName string
	Existence bool
	// Version is the refused version, with its value.
	Version Version
	// Current is the record's value of the field now (the server's).
	Current schema.Value
	// Reason is the server's; empty on a device that got the refusal mark
	// from a peer.
	Reason string
}

// Member is a person in a workspace as the members pane shows it.
type Member struct {
	Device string
	Name   string
	Role   Role
	// Me is true for this device.
	Me bool
	// Online is true when one of the member's devices is seen now.
	Online bool
	// LastSync is the end of the last complete sync with this member's
	// device; zero when never.
	LastSync time.Time
}

// WorkspaceInfo describes an open workspace.
type WorkspaceInfo struct {
	ID   uuid.UUID
	Name string
	Role Role
	// Me is this device's ID.
	Me string
	// LastLooked is when this device last closed the workspace; records
	// changed by others after it are unread.
	LastLooked time.Time
	// Connected is true in connected mode: the server owns the design.
	Connected bool
}

// DesignReport tells what applying a design did.
type DesignReport struct {
	// Migrated counts records rewritten for the new design.
	Migrated int
	// Notes are plain-language remarks (fields removed, values kept).
	Notes []string
}
