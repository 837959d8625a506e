// Package transport carries sync sessions over TCP with TLS 1.3. Each side
// presents a self-signed certificate made from its device's ed25519 key;
// the device ID is the hash of that key, so the handshake proves who is at
// the other end. No certificate authority is involved: callers check the
// proven device ID against the workspace's members before any data moves.
package transport

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"sync/atomic"
	"time"

	"github.com/grove-team/grove/replica/identity"
)

// ErrWrongDevice is returned when the peer proves a different device ID
// than the one the caller expected.
var ErrWrongDevice = errors.New("peer is not the expected device")

// HandshakeTimeout bounds the TLS handshake; ConnectTimeout the TCP
// connection before it (partners are on the LAN: an address that does not
// answer quickly is not the partner's any more).
const (
	HandshakeTimeout = 10 * time.Second
	ConnectTimeout   = 3 * time.Second
)

// Certificate makes the TLS certificate of a device key.
func Certificate(key ed25519.PrivateKey) (tls.Certificate, error) {
	pub := key.Public().(ed25519.PublicKey)
	id := identity.FromPublicKey(pub)
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: id.String()},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              time.Now().Add(20 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("create certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// PeerID returns the device ID proven by a completed TLS connection.
func PeerID(cs tls.ConnectionState) (identity.DeviceID, error) {
	if len(cs.PeerCertificates) == 0 {
		return identity.DeviceID{}, errors.New("peer presented no certificate")
	}
	pub, ok := cs.PeerCertificates[0].PublicKey.(ed25519.PublicKey)
	if !ok {
		return identity.DeviceID{}, errors.New("peer certificate is not an ed25519 device key")
	}
	return identity.FromPublicKey(pub), nil
}

// verify accepts exactly one self-signed ed25519 certificate whose
// signature checks out; who it belongs to is decided by the caller.
func verify(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) != 1 {
		return fmt.Errorf("want one certificate, got %d", len(raw))
	}
	cert, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return fmt.Errorf("parse peer certificate: %w", err)
	}
	if _, ok := cert.PublicKey.(ed25519.PublicKey); !ok {
		return errors.New("peer certificate is not an ed25519 device key")
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		return fmt.Errorf("peer certificate signature: %w", err)
	}
	return nil
}

func config(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:            tls.VersionTLS13,
		Certificates:          []tls.Certificate{cert},
		ClientAuth:            tls.RequireAnyClientCert,
		InsecureSkipVerify:    true, // no CA: identity is the key, checked in verify and by the caller
		VerifyPeerCertificate: verify,
		NextProtos:            []string{"grove/1"},
	}
}

// Conn is an authenticated connection. Sent and Received count the bytes
// on the wire, TLS records included.
type Conn struct {
	*tls.Conn
	Peer  identity.DeviceID
	count *counted
}

// Sent returns the bytes written to the network so far.
func (c *Conn) Sent() int64 { return c.count.sent.Load() }

// Received returns the bytes read from the network so far.
func (c *Conn) Received() int64 { return c.count.received.Load() }

// counted counts a socket's bytes.
type counted struct {
	net.Conn
	sent, received atomic.Int64
}

func (c *counted) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.received.Add(int64(n))
	return n, err
}

func (c *counted) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.sent.Add(int64(n))
	return n, err
}

// Dial connects to addr and completes the handshake. When expect is not
// the zero ID, a peer proving another device ID is refused.
func Dial(ctx context.Context, addr string, cert tls.Certificate, expect identity.DeviceID) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, HandshakeTimeout)
	defer cancel()
	raw, err := (&net.Dialer{Timeout: ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	cnt := &counted{Conn: raw}
	tc := tls.Client(cnt, config(cert))
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	peer, err := PeerID(tc.ConnectionState())
	if err != nil {
		tc.Close()
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	if !expect.IsZero() && peer != expect {
		tc.Close()
		return nil, fmt.Errorf("connect to %s: found %s, want %s: %w", addr, peer.Short(), expect.Short(), ErrWrongDevice)
	}
	return &Conn{Conn: tc, Peer: peer, count: cnt}, nil
}

// Listener accepts authenticated connections.
type Listener struct {
	net.Listener
	cert tls.Certificate
}

// Listen listens on addr (host:port; port 0 picks one).
func Listen(addr string, cert tls.Certificate) (*Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return &Listener{Listener: l, cert: cert}, nil
}

// AcceptConn waits for a connection and completes its handshake. A
// handshake that fails is returned as an error wrapping the cause; the
// caller keeps accepting.
func (l *Listener) AcceptConn(ctx context.Context) (*Conn, error) {
	nc, err := l.Accept()
	if err != nil {
		return nil, err
	}
	return l.Handshake(ctx, nc)
}

// Handshake completes the server side of the TLS handshake on an accepted
// socket, so an owner can accept in one goroutine and shake hands in
// another. On error the socket is closed.
func (l *Listener) Handshake(ctx context.Context, nc net.Conn) (*Conn, error) {
	cnt := &counted{Conn: nc}
	tc := tls.Server(cnt, config(l.cert))
	hctx, cancel := context.WithTimeout(ctx, HandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		tc.Close()
		return nil, fmt.Errorf("handshake with %s: %w", nc.RemoteAddr(), err)
	}
	peer, err := PeerID(tc.ConnectionState())
	if err != nil {
		tc.Close()
		return nil, fmt.Errorf("handshake with %s: %w", nc.RemoteAddr(), err)
	}
	return &Conn{Conn: tc, Peer: peer, count: cnt}, nil
}
