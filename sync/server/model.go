package server

import (
	"errors"
	"fmt"
	"strings"

	"github.com/grove-team/grove/schema/wireform"
)

// Errors returned by the server. Test for them with errors.Is.
var (
	// ErrUnauthorized is returned for a missing or unknown access token.
	ErrUnauthorized = errors.New("unknown or missing access token")
	// ErrForbidden is returned when a user lacks the permission an action needs.
	ErrForbidden = errors.New("permission denied")
	// ErrNotFound is returned for an unknown list, item or user.
	ErrNotFound = errors.New("not found")
	// ErrInvalid is returned for malformed requests, designs and names.
	ErrInvalid = errors.New("invalid request")
	// ErrExists is returned when a user or list name is already taken.
	ErrExists = errors.New("already exists")
)

// Perm is a set of permissions of one user on one list.
type Perm uint8

// Permissions; each implies the ones before it when granted with Grant.
const (
	PermRead   Perm = 1 << 0
	PermEdit   Perm = 1 << 1
	PermDesign Perm = 1 << 2
)

// ParsePerm parses "read", "edit" or "design"; edit includes read, design
// includes both.
func ParsePerm(s string) (Perm, error) {
	switch strings.ToLower(s) {
	case "read":
		return PermRead, nil
	case "edit":
		return PermRead | PermEdit, nil
	case "design":
		return PermRead | PermEdit | PermDesign, nil
	case "none":
		return 0, nil
	}
	return 0, fmt.Errorf("permission %q: want read, edit, design or none: %w", s, ErrInvalid)
}

// Names lists the permissions in p.
func (p Perm) Names() []string {
	var out []string
	for _, x := range []struct {
		p Perm
		n string
	}{{PermRead, "read"}, {PermEdit, "edit"}, {PermDesign, "design"}} {
		if p&x.p != 0 {
			out = append(out, x.n)
		}
	}
	return out
}

// User is a server user. Admins have every permission on every list.
type User struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Admin bool   `json:"admin,omitempty"`
}

// Person returns the user's person wire form ("ID;#login"), the login
// being the e-mail or, without one, the name.
func (u User) Person() string {
	login := u.Email
	if login == "" {
		login = u.Name
	}
	return wireform.PersonValue{ID: u.ID, Login: login}.String()
}

// Field is one field of a list (the design types live in schema/wireform,
// where every replica can check a signed design).
type Field = wireform.Field

// Rules are server-side validation rules the clients do not know.
type Rules = wireform.Rules

// List is a list's design.
type List = wireform.List

// Origin names the Grove replica version a value came from: the replica's
// UUID and device ID, the version's tick and hybrid-logical-clock stamp.
// For values the server itself stamped, Replica is the list's server
// replica (ServerReplica) and Tick the change token. Seen is the causal
// context of the version (replica UUID -> highest tick it superseded):
// a pushed value whose Seen covers the server's current origin was made
// knowing it, so it is no conflict.
type Origin struct {
	Replica string            `json:"replica"`
	Device  string            `json:"device"`
	Tick    uint64            `json:"tick"`
	HLC     uint64            `json:"hlc"`
	Seen    map[string]uint64 `json:"seen,omitempty"`
}

// FieldState is the version of one field's value in an item.
type FieldState struct {
	// Version is the change token that last set the value.
	Version int64  `json:"version"`
	Origin  Origin `json:"origin"`
}

// Item is a list item.
type Item struct {
	ID int64 `json:"id"`
	// Key is the idempotency key: the Grove record UUID, or one the server
	// derived for items created without one.
	Key string `json:"key"`
	// Version is the change token of the item's last change: its etag.
	Version int64 `json:"version"`
	Deleted bool  `json:"deleted,omitempty"`
	// RefusedCreate marks the tombstone the server keeps for a create it
	// refused, so the refusal reaches every client by the change log.
	RefusedCreate bool                  `json:"refusedCreate,omitempty"`
	Values        map[string]string     `json:"values"`
	Fields        map[string]FieldState `json:"fields,omitempty"`
	// Existence is the version of the item's creation or deletion.
	Existence FieldState `json:"existence"`
	// CreatedHLC and CreatorDevice are the creating Grove edit's clock and
	// device (the server's for items created without one).
	CreatedHLC    uint64 `json:"createdHlc"`
	CreatorDevice string `json:"creatorDevice"`
	CreatedBy     int64  `json:"createdBy"`
	ModifiedBy    int64  `json:"modifiedBy"`
	Created       string `json:"created"`
	Modified      string `json:"modified"`
}

// Update is one item change in a batch.
type Update struct {
	// Key identifies the item (the Grove record UUID); with no item under
	// the key, the update creates one. Either Key or ID is needed.
	Key string `json:"key,omitempty"`
	ID  int64  `json:"id,omitempty"`
	// Change identifies this change for the refused log, so a retried
	// refused change is recorded once. Optional.
	Change string `json:"change,omitempty"`
	// Delete deletes the item; Values are then ignored.
	Delete bool `json:"delete,omitempty"`
	// BaseVersion, for clients without origins (curl), is the item version
	// the change was made on: a field changed on the server since is a
	// conflict. 0 means last writer wins.
	BaseVersion int64 `json:"baseVersion,omitempty"`
	// Values maps internal names to wire-form values; "" clears a field.
	Values map[string]string `json:"values,omitempty"`
	// Origins, from Grove clients, gives each value's origin and the
	// existence's under the key "" (for creates and deletes).
	Origins map[string]Origin `json:"origins,omitempty"`
	// CreatedHLC and CreatorDevice describe the creating edit (creates).
	CreatedHLC    uint64 `json:"createdHlc,omitempty"`
	CreatorDevice string `json:"creatorDevice,omitempty"`
}

// Result statuses.
const (
	StatusAccepted = "accepted"
	StatusRefused  = "refused"
)

// Refusal codes.
const (
	CodePermission  = "permission"
	CodeInvalid     = "invalid"
	CodeConflict    = "conflict"
	CodeUnique      = "unique"
	CodeEmailDomain = "email-domain"
	CodeQuota       = "quota"
	CodeNotFound    = "not-found"
)

// Result is the sync report of one update.
type Result struct {
	Key    string `json:"key"`
	ID     int64  `json:"id,omitempty"`
	Status string `json:"status"`
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Item is the item as the server now holds it (after a refusal: the
	// server's values, re-stamped so they win over the refused change).
	Item *Item `json:"item,omitempty"`
}

// Refused is a refused change kept by the server.
type Refused struct {
	Seq    int64  `json:"seq"`
	List   int64  `json:"list"`
	Key    string `json:"key"`
	ItemID int64  `json:"itemId,omitempty"`
	Change string `json:"change"`
	User   int64  `json:"user"`
	At     string `json:"at"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
	Update Update `json:"update"`
}
