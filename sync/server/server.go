package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Config configures a Server.
type Config struct {
	// Store is the server's store; the server does not close it.
	Store *Store
	// CertFile and KeyFile, when set, replace the built-in self-signed
	// certificate. Plain disables TLS (tests of the API only).
	CertFile, KeyFile string
	Plain             bool
	// Logf logs; may be nil.
	Logf func(format string, args ...any)
}

// Server serves the API on one listener.
type Server struct {
	cfg  Config
	tls  *tls.Config
	http *http.Server
}

// New prepares a server.
func New(cfg Config) (*Server, error) {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	s := &Server{cfg: cfg}
	if !cfg.Plain {
		var cert tls.Certificate
		var err error
		if cfg.CertFile != "" || cfg.KeyFile != "" {
			cert, err = tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		} else {
			cert = tls.Certificate{Certificate: [][]byte{cfg.Store.cert}, PrivateKey: cfg.Store.key}
		}
		if err != nil {
			return nil, fmt.Errorf("server certificate: %w", err)
		}
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	s.http = &http.Server{Handler: cfg.Store.Handler(), ReadHeaderTimeout: 10 * time.Second, TLSConfig: s.tls,
		ErrorLog: nil, IdleTimeout: 2 * time.Minute}
	return s, nil
}

// Fingerprint returns the SHA-256 fingerprint of the certificate served.
func (s *Server) Fingerprint() string {
	if s.tls == nil {
		return ""
	}
	return Fingerprint(s.tls.Certificates[0].Certificate[0])
}

// Serve serves on ln until ctx ends, then shuts down gracefully (in-flight
// requests get 5 s). It returns nil after a shutdown caused by ctx.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.http.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}
