package connect

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
	"github.com/grove-team/grove/sync/server"
)

// Errors returned by the client.
var (
	// ErrFingerprint is returned when the server's certificate does not
	// match the pinned fingerprint.
	ErrFingerprint = errors.New("server certificate does not match the pinned fingerprint")
	// ErrBadDesign is returned when a design's signature does not verify
	// with the server's key: it is not applied.
	ErrBadDesign = errors.New("design not signed by the server")
	// ErrServer is returned (wrapped) for an error answer of the server.
	ErrServer = errors.New("server error")
)

// Config configures a Client.
type Config struct {
	Store *replica.Store
	WS    uuid.UUID
	// Server is the base URL, https://host:port.
	Server string
	// Token is the access token; empty: the one Connect stored.
	Token string
	// Fingerprint pins the server certificate (SHA-256, hex). Empty: the
	// one stored in the binding; on the first connect, trust on first use.
	Fingerprint string
	// BatchSize bounds the updates of one push request (default 200).
	BatchSize int
	// RetryFor bounds how long a failed request is retried (default 30 s).
	RetryFor time.Duration
	// Logf logs; may be nil.
	Logf func(format string, args ...any)
}

// Client runs connected mode for one workspace. It is used by one goroutine.
type Client struct {
	cfg  Config
	http *http.Client
	seen string // fingerprint seen in the last handshake
	// dir is the workspace's directory (loaded by Sync from the binding);
	// designs are the signed designs the bound tools hold, by list ID.
	dir     *Directory
	designs map[int64]wireform.List
}

// New makes a client. It does not contact the server.
func New(cfg Config) (*Client, error) {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 200
	}
	if cfg.RetryFor <= 0 {
		cfg.RetryFor = 30 * time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if u, err := url.Parse(cfg.Server); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want https://host:port", cfg.Server)
	}
	cfg.Server = strings.TrimRight(cfg.Server, "/")
	if cfg.Fingerprint == "" {
		if b, ok, err := cfg.Store.Binding(cfg.WS); err != nil {
			return nil, err
		} else if ok {
			cfg.Fingerprint = b.Fingerprint
		}
	}
	if cfg.Token == "" {
		tok, err := cfg.Store.ServerToken(cfg.WS)
		if err != nil {
			return nil, err
		}
		cfg.Token = tok
	}
	c := &Client{cfg: cfg}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: true, // identity is the pinned fingerprint, checked below
			VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
				if len(raw) == 0 {
					return ErrFingerprint
				}
				sum := sha256.Sum256(raw[0])
				got := fmt.Sprintf("%x", sum)
				c.seen = got
				if c.cfg.Fingerprint != "" && !strings.EqualFold(normFP(c.cfg.Fingerprint), got) {
					return fmt.Errorf("%w: got %s", ErrFingerprint, got)
				}
				return nil
			},
		},
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
	c.http = &http.Client{Transport: tr, Timeout: 60 * time.Second}
	return c, nil
}

func normFP(s string) string { return strings.ToLower(strings.ReplaceAll(s, ":", "")) }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// call sends one request and decodes the JSON answer into out. Network
// failures and 5xx answers are retried with backoff for RetryFor, with the
// same body: every API call is idempotent (batches by their keys).
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(c.cfg.RetryFor)
	wait := 50 * time.Millisecond
	for {
		err := c.once(ctx, method, path, raw, out)
		var perm permanent
		if err == nil || errors.As(err, &perm) || errors.Is(err, ErrFingerprint) || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		c.cfg.Logf("connect: %s %s: %v; retrying", method, path, err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// permanent marks an answer that retrying will not change.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

func (c *Client) once(ctx context.Context, method, path string, raw []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.Server+path, bytes.NewReader(raw))
	if err != nil {
		return permanent{err}
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, ErrFingerprint) {
			return err
		}
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var eb server.ErrorBody
		_ = json.Unmarshal(body, &eb)
		err := fmt.Errorf("%s %s: %s (%s): %w", method, path, eb.Error, resp.Status, ErrServer)
		if resp.StatusCode >= 500 {
			return err
		}
		return permanent{err}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return permanent{fmt.Errorf("%s %s: decode answer: %w", method, path, err)}
	}
	return nil
}

// Connect binds the workspace to the server: it checks the server's
// identity, records the connection in the workspace's design (so every
// member's replica knows the workspace is connected and which key signs
// its design), makes the server device a member (its versions then sync
// between peers like any member's), applies the server's signed list
// designs as mirrored tools through the safe design change, and stores the
// binding and the access token on this device. It may run again: what is
// in place is left alone. Recording the connection needs a manager; a
// participant can connect a workspace a manager has connected (the
// connection and the tools arrive by peer sync).
func (c *Client) Connect(ctx context.Context) (replica.Binding, error) {
	var info server.ServerInfo
	if err := c.call(ctx, "GET", "/v1/server", nil, &info); err != nil {
		return replica.Binding{}, fmt.Errorf("connect: %w", err)
	}
	pub, err := base64.StdEncoding.DecodeString(info.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return replica.Binding{}, fmt.Errorf("connect: server key: %w", ErrServer)
	}
	dev := identity.FromPublicKey(pub)
	if dev.String() != info.Device {
		return replica.Binding{}, fmt.Errorf("connect: server device %s does not match its key: %w", info.Device, ErrServer)
	}
	old, _, err := c.cfg.Store.Binding(c.cfg.WS)
	if err != nil {
		return replica.Binding{}, err
	}
	if err := c.cfg.Store.RecordConnection(c.cfg.WS, pub); err != nil {
		if errors.Is(err, replica.ErrRoleTooLow) {
			err = fmt.Errorf("%w (a manager connects the workspace first; the connection then reaches this device by sync)", err)
		}
		return replica.Binding{}, fmt.Errorf("connect: %w", err)
	}
	if err := c.ensureMember(dev); err != nil {
		return replica.Binding{}, err
	}
	b := replica.Binding{Server: c.cfg.Server, Fingerprint: c.seen, ServerDevice: dev, PublicKey: pub,
		Lists: old.Lists, RejectedDesigns: old.RejectedDesigns, Directory: old.Directory}
	if c.cfg.Fingerprint != "" {
		b.Fingerprint = normFP(c.cfg.Fingerprint)
	}
	var rep Report
	if err := c.syncDesign(ctx, &b, &rep); err != nil {
		return replica.Binding{}, fmt.Errorf("connect: %w", err)
	}
	if err := c.cfg.Store.Bind(c.cfg.WS, b); err != nil {
		return replica.Binding{}, fmt.Errorf("connect: %w", err)
	}
	if err := c.cfg.Store.SetServerToken(c.cfg.WS, c.cfg.Token); err != nil {
		return replica.Binding{}, fmt.Errorf("connect: store the token: %w", err)
	}
	return b, nil
}

func (c *Client) ensureMember(dev identity.DeviceID) error {
	if _, ok, err := c.cfg.Store.MemberOf(c.cfg.WS, dev); err != nil || ok {
		return err
	}
	host := c.cfg.Server
	if u, err := url.Parse(host); err == nil {
		host = u.Host
	}
	err := c.cfg.Store.PutMember(c.cfg.WS, replica.Member{Device: dev, Name: "server " + host, Role: replica.RoleManager})
	if err != nil {
		return fmt.Errorf("connect: make the server a member: %w", err)
	}
	return nil
}

// Mirror builds the local tool of a server list and the list's binding (name
// map, field IDs, kinds): wireform.MirrorTool, which every replica uses to
// check a bound tool against its signed design. It is deterministic: every
// member builds the same.
func Mirror(dev identity.DeviceID, l server.List) (replica.BoundList, *schema.Tool, error) {
	m, err := wireform.MirrorTool(dev[:], l)
	if err != nil {
		return replica.BoundList{}, nil, err
	}
	bl := replica.BoundList{ListID: l.ID, Name: l.Name, Tool: m.Tool.ID, DesignVersion: l.DesignVersion,
		Fields: m.Fields, Names: m.Names, Kinds: map[string]string{}}
	for in, k := range m.Kinds {
		bl.Kinds[in] = string(k)
	}
	return bl, m.Tool, nil
}
