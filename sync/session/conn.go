// Package session runs Grove's sync protocol over any byte stream: TLS
// sockets in production, net.Pipe in tests. A Conn is one authenticated
// connection; the dialer calls Sync or Join, the acceptor calls Serve.
//
// A two-way session, after both Hellos:
//
//	client: Sync{workspace, mapping, direction, its knowledge per scope}
//	server: Batch... (what the client lacks), Done{its snapshot knowledge}
//	client: applies each batch, then merges the snapshot
//	client: Batch... (what the server lacks), Done{its snapshot knowledge}
//	server: applies, merges, Ack{applied, conflicts}
//
// Each batch is applied in one transaction and knowledge grows only by what
// was applied until the closing Done, so a session cut anywhere resumes
// without resending what arrived. Membership is checked on both sides
// before any data moves; roles are checked on apply.
package session

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/sync/wire"
)

// Errors of a session. A refusal from the peer arrives as a *RefusedError.
var (
	// ErrVersion is returned when the peers share no protocol version.
	ErrVersion = errors.New("no common protocol version")
	// ErrTooOld is returned when the peer only speaks versions older than
	// this one accepts.
	ErrTooOld = errors.New("peer's protocol is too old")
	// ErrUnexpected is returned for a message out of protocol order.
	ErrUnexpected = errors.New("unexpected message")
)

// RefusedError is a refusal received from the peer.
type RefusedError struct {
	Code    uint64
	Message string
}

func (e *RefusedError) Error() string { return "peer refused: " + e.Message }

// Is maps refusal codes to the store's errors, so callers can test a
// remote refusal like a local one.
func (e *RefusedError) Is(target error) bool {
	switch e.Code {
	case wire.CodeNotMember:
		return target == replica.ErrNotMember
	case wire.CodeRoleTooLow:
		return target == replica.ErrRoleTooLow
	case wire.CodeNoWorkspace:
		return target == replica.ErrNoWorkspace
	case wire.CodeKnowledgeClaim:
		return target == replica.ErrKnowledgeClaim
	case wire.CodeVersion:
		return target == ErrVersion
	case wire.CodeBadInvitation:
		return target == replica.ErrBadInvitation
	case wire.CodeUnsignedDesign:
		return target == replica.ErrUnsignedDesign
	}
	return false
}

// Batch limits: a batch holds at most this many items and about this many
// bytes of values.
const (
	BatchItems = 4096
	BatchBytes = 1 << 20
)

// Conn is one peer connection. Its methods are not safe for concurrent use.
type Conn struct {
	rw    io.ReadWriter
	Local identity.DeviceID
	Peer  identity.DeviceID

	out     map[replica.ReplicaRef]uint64 // replicas defined on our direction
	pending []wire.Replica                // definitions for the next message
	in      []replica.ReplicaRef          // replicas the peer defined

	// BatchItems and BatchBytes bound outgoing batches; zero means the
	// package defaults.
	BatchItems, BatchBytes int
	// ListenPort is announced in our Hello; PeerPort is the peer's, known
	// after Handshake (0: it accepts no connections).
	ListenPort, PeerPort int

	buf []byte // frame buffer reused by sendEncoded
}

// New wraps an authenticated stream: local is this device, peer the device
// the transport proved is at the other end.
func New(rw io.ReadWriter, local, peer identity.DeviceID) *Conn {
	return &Conn{rw: rw, Local: local, Peer: peer, out: map[replica.ReplicaRef]uint64{}}
}

// Handshake exchanges Hellos and checks the protocol versions. The client
// (dialer) speaks first, so it works over unbuffered streams too.
func (c *Conn) Handshake(client bool) error {
	hello := wire.Hello{Version: wire.Version, Oldest: wire.OldestVersion, ListenPort: uint64(c.ListenPort)}.AppendBinary(nil)
	if client {
		if err := wire.WriteFrame(c.rw, wire.TypeHello, hello); err != nil {
			return err
		}
	}
	if err := c.readHello(); err != nil {
		return err
	}
	if !client {
		return wire.WriteFrame(c.rw, wire.TypeHello, hello)
	}
	return nil
}

func (c *Conn) readHello() error {
	typ, body, err := wire.ReadFrame(c.rw)
	if err != nil {
		return err
	}
	if typ != wire.TypeHello {
		return fmt.Errorf("handshake: message type %d: %w", typ, ErrUnexpected)
	}
	h, err := wire.ParseHello(body)
	if err != nil {
		return err
	}
	c.PeerPort = int(h.ListenPort)
	switch {
	case h.Version < wire.OldestVersion:
		return fmt.Errorf("handshake: peer speaks version %d, oldest accepted %d: %w", h.Version, wire.OldestVersion, ErrTooOld)
	case h.Oldest > wire.Version:
		return fmt.Errorf("handshake: peer needs version %d or newer, this is %d: %w", h.Oldest, wire.Version, ErrVersion)
	}
	return nil
}

// send writes one message.
func (c *Conn) send(typ byte, body []byte) error { return wire.WriteFrame(c.rw, typ, body) }

// sendEncoded encodes a message straight into the connection's reusable
// frame buffer and writes it, so large batches are neither regrown nor
// copied.
func (c *Conn) sendEncoded(typ byte, encode func([]byte) []byte) error {
	frame := encode(wire.FrameHeader(c.buf[:0], typ))
	c.buf = frame[:0]
	return wire.WriteEncoded(c.rw, frame)
}

// refuseWait bounds the refusal write: the peer may be busy writing rather
// than reading.
const refuseWait = 2 * time.Second

// refuse tells the peer why the session ends and returns err. After a
// refusal the owner closes the connection.
func (c *Conn) refuse(err error) error {
	code := uint64(wire.CodeInternal)
	switch {
	case errors.Is(err, replica.ErrNotMember):
		code = wire.CodeNotMember
	case errors.Is(err, replica.ErrRoleTooLow):
		code = wire.CodeRoleTooLow
	case errors.Is(err, replica.ErrNoWorkspace):
		code = wire.CodeNoWorkspace
	case errors.Is(err, replica.ErrKnowledgeClaim):
		code = wire.CodeKnowledgeClaim
	case errors.Is(err, wire.ErrMalformed), errors.Is(err, replica.ErrInvalidInput), errors.Is(err, replica.ErrCorrupt):
		code = wire.CodeMalformed
	case errors.Is(err, replica.ErrBadInvitation):
		code = wire.CodeBadInvitation
	case errors.Is(err, replica.ErrUnsignedDesign):
		code = wire.CodeUnsignedDesign
	}
	msg := err.Error()
	if len(msg) > wire.MaxMessage {
		msg = msg[:wire.MaxMessage]
	}
	body := wire.Refuse{Code: code, Message: msg}.AppendBinary(nil)
	if d, ok := c.rw.(interface{ SetWriteDeadline(time.Time) error }); ok {
		d.SetWriteDeadline(time.Now().Add(refuseWait))
		c.send(wire.TypeRefuse, body)
		d.SetWriteDeadline(time.Time{})
	} else {
		go c.send(wire.TypeRefuse, body) // ends when the owner closes the stream
	}
	return err
}

// receive reads the next message and turns a Refuse into an error.
func (c *Conn) receive() (byte, []byte, error) {
	typ, body, err := wire.ReadFrame(c.rw)
	if err != nil {
		return 0, nil, err
	}
	if typ == wire.TypeRefuse {
		f, err := wire.ParseRefuse(body)
		if err != nil {
			return 0, nil, err
		}
		return 0, nil, &RefusedError{Code: f.Code, Message: f.Message}
	}
	return typ, body, nil
}
