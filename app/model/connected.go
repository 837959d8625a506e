package model

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Connected mode: a workspace bound to a Grove server, which owns its
// design; members change data only, and the server may refuse a change.

// Errors of connecting to a server. Test with errors.Is; the error text
// says what happened, the screens add what to do.
var (
	// ErrServerUnreachable is returned when the server did not answer: a
	// wrong address, the server down, or no network.
	ErrServerUnreachable = errors.New("the server did not answer")
	// ErrServerToken is returned when the server does not accept the
	// access token (unknown, revoked or mistyped), or the token's user may
	// not read the server's lists.
	ErrServerToken = errors.New("the server does not accept the access token")
	// ErrServerFingerprint is returned when the server's certificate does
	// not match the fingerprint given or stored at the first connect:
	// another server answers at that address, or the server's certificate
	// changed.
	ErrServerFingerprint = errors.New("the server's certificate does not match the fingerprint")
)

// ConnectedMode is what the connect dialog, the "connected to" badge and
// the refused-changes list need of a workspace.
type ConnectedMode interface {
	// Connection describes the workspace's binding to a server; ok is
	// false when the workspace is not connected.
	Connection() (c Connection, ok bool, err error)
	// Connect binds the workspace to a server (managers only), mirrors
	// the server's lists as tools, then runs one sync with the server. It
	// blocks on the network until done or ctx ends: call it off the UI
	// thread. Running it again on a connected workspace refreshes the
	// binding.
	Connect(ctx context.Context, req ConnectRequest) (ConnectResult, error)
	// Refused lists the changes a server refused that have not been
	// discarded on this device, oldest first.
	Refused() ([]Refused, error)
	// DiscardRefused hides a refused change from the list on this device:
	// the server's value stays, and the refused version stays in the
	// store (a refused change is never deleted).
	DiscardRefused(r Refused) error
}

// ConnectRequest is what the connect dialog asks for.
type ConnectRequest struct {
	// Server is the server's URL, https://host:port.
	Server string
	// Token is the access token the server's administrator gave.
	Token string
	// Fingerprint pins the server's certificate (SHA-256, hex, colons
	// allowed); empty trusts the certificate seen at the first connect.
	Fingerprint string
}

// Connection is a workspace's binding to a server and the state of its
// syncing with it.
type Connection struct {
	// Server is the server's URL; Host its host:port, for labels.
	Server, Host string
	// Fingerprint is the SHA-256 of the server's certificate, hex.
	Fingerprint string
	// Lists names the server lists mirrored as tools.
	Lists []string
	// LastSync is the end of the last complete sync with the server known
	// on this device; zero when unknown.
	LastSync time.Time
	// LastError describes the last failed sync with the server, "" when
	// the last one succeeded or none is known.
	LastError string
	// Syncing is true while a sync with the server runs.
	Syncing bool
}

// ConnectResult tells what Connect did.
type ConnectResult struct {
	Connection Connection
	// Pulled, Pushed, Accepted and Refused count what the first sync did.
	Pulled, Pushed, Accepted, Refused int
	// SyncError describes why the first sync failed, "" when it
	// succeeded; the workspace is connected either way.
	SyncError string
}

// ServerStatus is the state of a workspace's automatic syncing with its
// server, as the connected sync machinery reports it.
type ServerStatus struct {
	Running   bool
	LastSync  time.Time
	LastError string
}

// ServerSync reports the automatic syncing of connected workspaces with
// their servers. It may be nil where no such machinery runs.
type ServerSync interface {
	// ServerStatus returns a workspace's status; ok is false when nothing
	// is known of it.
	ServerStatus(ws uuid.UUID) (st ServerStatus, ok bool)
}
