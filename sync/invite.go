package sync

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
)

// ErrBadCode is returned for text that is not an invitation code.
var ErrBadCode = errors.New("not an invitation code")

// Invitation is what an invitation code carries: the workspace, the
// inviting device (pinned: the joiner only talks to it), a one-time secret
// and where the inviter may be reached.
type Invitation struct {
	Workspace uuid.UUID
	Inviter   identity.DeviceID
	Secret    [32]byte
	Addrs     []string
}

const codePrefix = "GROVE-"

var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Code is the invitation as text to send to the invitee:
// "GROVE-" then base32 of: version byte 1, workspace (16), inviter device
// (32), secret (32), uvarint address count, each address as uvarint
// length and bytes.
func (inv Invitation) Code() string {
	b := []byte{1}
	b = append(b, inv.Workspace[:]...)
	b = append(b, inv.Inviter[:]...)
	b = append(b, inv.Secret[:]...)
	b = binary.AppendUvarint(b, uint64(len(inv.Addrs)))
	for _, a := range inv.Addrs {
		b = binary.AppendUvarint(b, uint64(len(a)))
		b = append(b, a...)
	}
	return codePrefix + codeEncoding.EncodeToString(b)
}

// ParseCode reads an invitation code; spaces and line breaks are ignored.
func ParseCode(s string) (Invitation, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, strings.ToUpper(s))
	raw, ok := strings.CutPrefix(s, codePrefix)
	if !ok {
		return Invitation{}, fmt.Errorf("missing %q: %w", codePrefix, ErrBadCode)
	}
	b, err := codeEncoding.DecodeString(raw)
	if err != nil || len(b) < 1+16+32+32+1 || b[0] != 1 {
		return Invitation{}, fmt.Errorf("damaged or unknown version: %w", ErrBadCode)
	}
	var inv Invitation
	r := bytes.NewReader(b[1:])
	r.Read(inv.Workspace[:])
	r.Read(inv.Inviter[:])
	r.Read(inv.Secret[:])
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 16 {
		return Invitation{}, fmt.Errorf("address list: %w", ErrBadCode)
	}
	for i := uint64(0); i < n; i++ {
		l, err := binary.ReadUvarint(r)
		if err != nil || l > 256 || int(l) > r.Len() {
			return Invitation{}, fmt.Errorf("address %d: %w", i, ErrBadCode)
		}
		a := make([]byte, l)
		r.Read(a)
		inv.Addrs = append(inv.Addrs, string(a))
	}
	if r.Len() != 0 {
		return Invitation{}, fmt.Errorf("trailing bytes: %w", ErrBadCode)
	}
	return inv, nil
}

// Invite creates a one-time invitation to ws for role, valid for ttl, with
// this node's addresses as hints (or hints, when given).
func (n *Node) Invite(ws uuid.UUID, role replica.Role, ttl time.Duration, hints []string) (Invitation, error) {
	ri, err := n.store.CreateInvitation(ws, role, ttl)
	if err != nil {
		return Invitation{}, err
	}
	if len(hints) == 0 {
		hints = n.addressHints()
	}
	return Invitation{Workspace: ws, Inviter: n.device.ID, Secret: ri.Secret, Addrs: hints}, nil
}

// addressHints lists this node's reachable addresses: every non-loopback
// interface address when listening on all interfaces, loopback last.
func (n *Node) addressHints() []string {
	if n.ln == nil {
		return nil
	}
	host, port, _ := net.SplitHostPort(n.Addr())
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		return []string{n.Addr()}
	}
	var out, loop []string
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		hp := net.JoinHostPort(ipn.IP.String(), port)
		if ipn.IP.IsLoopback() {
			loop = append(loop, hp)
		} else {
			out = append(out, hp)
		}
	}
	if len(out) > 8 {
		out = out[:8]
	}
	return append(out, loop...)
}

// Join redeems an invitation: it connects to the inviter (only to it),
// proves the secret, creates this device's replica of the workspace with a
// mapping to the inviter, and runs the first sync.
func (n *Node) Join(ctx context.Context, inv Invitation, extra ...string) (replica.Workspace, Result, error) {
	addrs := append(append([]string(nil), extra...), inv.Addrs...)
	if n.cfg.Book != nil {
		addrs = append(n.cfg.Book.Addresses(inv.Inviter), addrs...)
	}
	pc, err := n.dial(ctx, inv.Inviter, addrs)
	if err != nil {
		return replica.Workspace{}, Result{}, fmt.Errorf("join: reach the inviter: %w", err)
	}
	if err := pc.lock(ctx); err != nil {
		return replica.Workspace{}, Result{}, err
	}
	name, _, err := pc.sess.Join(inv.Workspace, inv.Secret, n.device.Name)
	pc.unlock()
	if err != nil {
		n.drop(pc)
		return replica.Workspace{}, Result{}, fmt.Errorf("join: %w", err)
	}
	ws, err := n.store.JoinWorkspace(inv.Workspace, name, inv.Inviter)
	if err != nil {
		return replica.Workspace{}, Result{}, fmt.Errorf("join: %w", err)
	}
	m, err := n.mappingFor(ws.ID, inv.Inviter)
	if err != nil {
		return ws, Result{}, err
	}
	n.store.SetPeerAddress(ws.ID, replica.PeerAddress{Device: inv.Inviter, Addr: pc.addr, Seen: time.Now()})
	res, err := n.SyncMapping(ctx, m)
	return ws, res, err
}
