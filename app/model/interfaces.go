package model

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

// Backend is the domain as the whole app sees it.
type Backend interface {
	Home
	// Sync, Discovery and Sharing are the network parts; never nil.
	Sync() Sync
	Discovery() Discovery
	Sharing() Sharing
}

// Home is what the welcome, home and settings screens need: this device
// and its workspaces, all backed by the store.
type Home interface {
	// Device returns this device; ErrNotFound before the first run.
	Device() (Device, error)
	// NeedsWelcome reports whether the welcome screen has not been
	// completed on this data folder yet.
	NeedsWelcome() (bool, error)
	// Welcome completes the first run: it names the device (creating its
	// identity if needed), creates the demo workspace when there is no
	// workspace yet, and returns the workspace to open.
	Welcome(deviceName string) (uuid.UUID, error)
	// RenameDevice changes this device's display name.
	RenameDevice(name string) error
	// Templates lists the built-in tool templates ("contacts", "tasks").
	Templates() []string
	// Workspaces summarises every workspace on this device. It reads
	// every record, so call it off the UI thread.
	Workspaces(ctx context.Context) ([]WorkspaceSummary, error)
	// CreateWorkspace creates a workspace with tools from the named
	// templates (none: a blank workspace with one empty "Items" tool).
	CreateWorkspace(name string, templates ...string) (uuid.UUID, error)
	// RenameWorkspace renames a workspace on this device.
	RenameWorkspace(id uuid.UUID, name string) error
	// DeleteWorkspace removes this device's copy; other members keep theirs.
	DeleteWorkspace(id uuid.UUID) error
	// Open returns a workspace to work in.
	Open(id uuid.UUID) (Workspace, error)
	// Subscribe delivers events about every workspace until ctx ends,
	// then closes the channel.
	Subscribe(ctx context.Context) <-chan Event
}

// Workspace is one open workspace: what its window needs.
type Workspace interface {
	// Info describes the workspace and this device's place in it.
	Info() (WorkspaceInfo, error)
	// Tools returns the tools' designs, sorted by name.
	Tools() ([]*schema.Tool, error)
	// Scan reads a tool's live records in creation order and hands them
	// to fn in batches of at most batch rows, each Row aligned to the
	// fields of tool as given. It stops at ctx's end or fn's error.
	// fn must not call back into the workspace.
	Scan(ctx context.Context, tool *schema.Tool, batch int, fn func([]Row) error) error
	// Row reads one record as a row of tool; ErrNotFound when deleted.
	Row(tool *schema.Tool, id uuid.UUID) (Row, error)
	// Record reads one record with its versions.
	Record(id uuid.UUID) (*Record, error)
	// PutRecord creates (id uuid.Nil) or updates a record with the given
	// values (partial update; an empty value clears a field). Validation
	// errors are *schema.ValidationError or *schema.RuleError.
	PutRecord(tool, id uuid.UUID, values map[uuid.UUID]schema.Value) (uuid.UUID, error)
	// DeleteRecord deletes a record; RestoreRecord brings it back.
	DeleteRecord(id uuid.UUID) error
	RestoreRecord(id uuid.UUID) error
	// History returns who changed each field of a record when, newest
	// first. (The store keeps current versions only, so today this is the
	// winner and losers of each field.)
	History(id uuid.UUID) ([]Change, error)
	// Conflicts lists the fields holding concurrent versions.
	Conflicts() ([]Conflict, error)
	// Resolve writes value to a field with knowledge of all its versions.
	Resolve(record, field uuid.UUID, value schema.Value) error
	// ConnectedMode connects the workspace to a server and lists the
	// changes the server refused.
	ConnectedMode
	// Members lists the members with presence and last sync.
	Members() ([]Member, error)
	// Designer applies designs (managers only).
	Designer
	// MarkLooked records that this device has seen the workspace now.
	MarkLooked(at time.Time) error
	// Subscribe delivers this workspace's events until ctx ends.
	Subscribe(ctx context.Context) <-chan Event
}

// Designer applies a tool design through the safe design change (clone,
// migrate, validate, then commit or refuse) and says who may do so.
type Designer interface {
	// ApplyDesign adds or changes a tool's design and reports what it did.
	// A refusal wraps ErrDesignRejected (notes say why), a connected
	// workspace ErrDesignOwnedByServer, a role below manager ErrNotAllowed.
	ApplyDesign(tool *schema.Tool) (DesignReport, error)
	// DesignAccessor says whether and why the design is read-only here.
	DesignAccessor
}

// Sync runs and reports synchronisation with partners (sync/).
type Sync interface {
	// SyncNow starts a sync of the workspace with every reachable partner
	// and returns at once; progress arrives as events.
	SyncNow(ws uuid.UUID) error
	// Status reports the partners with their changes to exchange.
	Status(ws uuid.UUID) (SyncStatus, error)
}

// SyncStatus is a workspace's sync state.
type SyncStatus struct {
	// Running is true while a sync is under way; Done and Total count its
	// changes so far and expected.
	Running     bool
	Done, Total int
	Partners    []Partner
	// LastError describes the last failure, "" when none.
	LastError string
}

// Partner is one sync partner of a workspace.
type Partner struct {
	Device string
	Name   string
	Online bool
	// LastSync is the end of the last complete sync; zero when never.
	LastSync time.Time
	// ToSend and ToReceive count the changes each side lacks, as far as
	// this device knows.
	ToSend, ToReceive int
}

// Discovery reports devices seen on the local network (discovery/).
type Discovery interface {
	// Peers lists the devices seen on the LAN now.
	Peers() ([]Peer, error)
	// Interfaces lists the network interfaces discovery uses.
	Interfaces() ([]string, error)
	// Online reports which of the given device IDs are seen now.
	Online(devices []string) map[string]bool
}

// Peer is a device seen on the local network.
type Peer struct {
	Device  string
	Name    string
	Address string
	Seen    time.Time
}

// Sharing is invitations and membership changes (sync/, server).
type Sharing interface {
	// Invite makes a one-time invitation code for the workspace.
	Invite(ws uuid.UUID, role Role) (string, error)
	// Join accepts an invitation code and returns the joined workspace.
	Join(code string) (uuid.UUID, error)
	// Leave tells the other members this device leaves, then removes the
	// local copy.
	Leave(ws uuid.UUID) error
}

// EventKind says what an Event is about.
type EventKind uint8

// Event kinds.
const (
	// Resync: events were dropped; reload everything.
	Resync EventKind = iota
	// WorkspacesChanged: a workspace was created, renamed or deleted.
	WorkspacesChanged
	// RecordChanged: Record of Tool was created, changed or deleted.
	RecordChanged
	// DesignChanged: a tool's design changed.
	DesignChanged
	// ConflictsChanged: conflicts appeared or were resolved.
	ConflictsChanged
	// MembersChanged: members, presence or sync status changed.
	MembersChanged
	// DeviceChanged: this device's name changed.
	DeviceChanged
)

// Event is a change the screens may want to show.
type Event struct {
	Kind      EventKind
	Workspace uuid.UUID
	Tool      uuid.UUID
	Record    uuid.UUID
	// FromSync is true when the change arrived by sync rather than from an
	// edit on this device (it needs no sync of its own).
	FromSync bool
}
