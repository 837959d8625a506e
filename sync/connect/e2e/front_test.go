package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// front is the devices' way to the server: a TLS front end on 127.0.0.1
// presenting the server's certificate (the fingerprint the devices pin)
// that forwards every request unchanged to wherever `grove serve` listens
// now. While a gate is set, the batches it chooses are held until it
// releases them.
type front struct {
	t      *testing.T
	addr   string
	srv    *http.Server
	client *http.Client
	done   chan struct{}
	served chan error

	mu      sync.Mutex
	backend string
	gate    *gate
	users   map[string]string // access token -> user name
}

// gate holds chosen batch requests: hold says which (by user and body);
// each held request is announced on arrived and waits for release; the
// server's answer to it is then sent on replies, whether or not the device
// is still there to read it.
type gate struct {
	hold    func(user string, body []byte) bool
	arrived chan string
	release chan struct{}
	replies chan reply
}

type reply struct {
	user   string
	status int
	body   []byte
}

func newGate(hold func(user string, body []byte) bool) *gate {
	return &gate{hold: hold, arrived: make(chan string, 16), release: make(chan struct{}), replies: make(chan reply, 16)}
}

func newFront(t *testing.T, certFile, keyFile string, pool *x509.CertPool) *front {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &front{t: t, addr: ln.Addr().String(), done: make(chan struct{}), served: make(chan error, 1), users: map[string]string{},
		client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
	f.srv = &http.Server{Handler: f, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ReadHeaderTimeout: 10 * time.Second}
	go func() { f.served <- f.srv.ServeTLS(ln, "", "") }()
	return f
}

func (f *front) setBackend(addr string) {
	f.mu.Lock()
	f.backend = addr
	f.mu.Unlock()
}

func (f *front) setUser(token, name string) {
	f.mu.Lock()
	f.users[token] = name
	f.mu.Unlock()
}

// setGate sets (or, with nil, removes) the gate.
func (f *front) setGate(g *gate) {
	f.mu.Lock()
	f.gate = g
	f.mu.Unlock()
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	user, g, backend := f.users[tok], f.gate, f.backend
	f.mu.Unlock()
	ctx := r.Context()
	held := g != nil && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/batch") && g.hold(user, body)
	if held {
		g.arrived <- user
		select {
		case <-g.release:
		case <-f.done:
			http.Error(w, "front end closing", http.StatusServiceUnavailable)
			return
		}
		// Forwarded even when the device is gone: an answer it never reads.
		ctx = context.WithoutCancel(ctx)
	}
	out, err := http.NewRequestWithContext(ctx, r.Method, "https://"+backend+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := f.client.Do(out)
	if err != nil {
		http.Error(w, "server unreachable: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if held {
		g.replies <- reply{user: user, status: resp.StatusCode, body: rb}
	}
	for k, vs := range resp.Header {
		if k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(rb)
}

// close releases held requests and stops the front end.
func (f *front) close() {
	close(f.done)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		f.t.Errorf("front end shutdown: %v", err)
	}
	if err := <-f.served; !errors.Is(err, http.ErrServerClosed) {
		f.t.Errorf("front end: %v", err)
	}
	f.client.CloseIdleConnections()
}
