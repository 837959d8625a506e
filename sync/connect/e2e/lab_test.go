package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grove-team/grove/sync/server"
)

// binEnv names a grove binary to use instead of building one.
const binEnv = "GROVE_E2E_BIN"

const (
	// cmdTimeout bounds one `grove` command (a hang guard).
	cmdTimeout = 2 * time.Minute
	// waitLimit bounds a wait for something that happens by itself (the
	// automatic server sync runs every 30 s, backs off while the server is
	// down, and peers sync 300 ms after a change): generous, it fails only
	// when the thing never happens.
	waitLimit = 3 * time.Minute
	// exitLimit bounds a clean shutdown after SIGTERM.
	exitLimit = 30 * time.Second
	pollEvery = 200 * time.Millisecond
)

// built is the grove binary, built once for the package's tests.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// TestMain removes the built binary after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// groveBinary builds the binary from the repository root once, or returns
// $GROVE_E2E_BIN.
func groveBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv(binEnv); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatalf("%s: %v", binEnv, err)
		}
		return abs
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "grove-connect-e2e-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "grove")
		started := time.Now()
		cmd := exec.Command("go", "build", "-o", built.path, ".")
		cmd.Dir = filepath.Join("..", "..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		fmt.Fprintf(os.Stderr, "built grove in %s\n", time.Since(started).Round(time.Millisecond))
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// lab is one test's world: the binary, a temporary root, the server and
// its TLS front end, and the processes started (stopped at cleanup).
type lab struct {
	t   *testing.T
	bin string
	dir string
	env []string

	certFile, keyFile string
	certPool          *x509.CertPool
	srvData           string
	srv               *proc
	srvAddr           string
	fingerprint       string
	front             *front
	api               *http.Client // to the server directly, trusting its certificate
	tokens            map[string]string

	mu    sync.Mutex
	procs []*proc
}

func newLab(t *testing.T) *lab {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test with real grove processes: skipped under -short")
	}
	l := &lab{t: t, bin: groveBinary(t), dir: t.TempDir(), tokens: map[string]string{}}
	l.env = append(os.Environ(), "GROVE_INTERFACES=none", "GROVE_DATA=", "LANG=en_US.UTF-8",
		"XDG_CONFIG_HOME="+filepath.Join(l.dir, "xdg-config"), "XDG_CACHE_HOME="+filepath.Join(l.dir, "xdg-cache"))
	l.srvData = filepath.Join(l.dir, "server")
	l.makeCert()
	l.api = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: l.certPool}}}
	l.front = newFront(t, l.certFile, l.keyFile, l.certPool)
	t.Cleanup(l.stopAll)
	return l
}

// makeCert writes a self-signed certificate for 127.0.0.1 that the server
// serves (--cert/--key) and the front end presents.
func (l *lab) makeCert() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		l.t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "grove e2e server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		l.t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		l.t.Fatal(err)
	}
	l.certFile, l.keyFile = filepath.Join(l.dir, "cert.pem"), filepath.Join(l.dir, "key.pem")
	if err := os.WriteFile(l.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		l.t.Fatal(err)
	}
	if err := os.WriteFile(l.keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		l.t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		l.t.Fatal(err)
	}
	l.certPool = x509.NewCertPool()
	l.certPool.AddCert(cert)
}

// grove runs one command and returns its output and exit code.
func (l *lab) grove(args ...string) (stdout, stderr string, code int) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, l.bin, args...)
	cmd.Env = l.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		code = exit.ExitCode()
	default:
		l.t.Fatalf("grove %s: %v (stderr %s)", strings.Join(args, " "), err, e.String())
	}
	return o.String(), e.String(), code
}

// must runs a command that has to succeed.
func (l *lab) must(args ...string) string {
	l.t.Helper()
	out, errOut, code := l.grove(args...)
	if code != 0 {
		l.t.Fatalf("grove %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// mustJSON runs a command with --json and decodes its output into v.
func (l *lab) mustJSON(v any, args ...string) {
	l.t.Helper()
	out := l.must(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		l.t.Fatalf("grove %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// serve runs a `grove serve` subcommand on the server's data folder (the
// server must be stopped: it owns its store).
func (l *lab) serve(args ...string) string {
	l.t.Helper()
	return l.must(append(append([]string{"serve"}, args...), "--data", l.srvData)...)
}

var listeningRE = regexp.MustCompile(`listening on https://(\S+)\n`)
var fingerprintRE = regexp.MustCompile(`fingerprint \(SHA-256\): ([0-9a-f]+)\n`)

// startServer starts `grove serve` on a free loopback port and points the
// front end at it.
func (l *lab) startServer() {
	l.t.Helper()
	p := l.start("server", "serve", "--data", l.srvData, "--addr", "127.0.0.1:0", "--cert", l.certFile, "--key", l.keyFile)
	out := p.waitOutput(l.t, fingerprintRE)
	l.srv, l.srvAddr = p, listeningRE.FindStringSubmatch(out)[1]
	fp := fingerprintRE.FindStringSubmatch(out)[1]
	if l.fingerprint != "" && fp != l.fingerprint {
		l.t.Fatalf("server certificate changed across restarts: %s, was %s", fp, l.fingerprint)
	}
	l.fingerprint = fp
	l.front.setBackend(l.srvAddr)
}

// stopServer stops the server cleanly.
func (l *lab) stopServer() {
	l.t.Helper()
	l.srv.stop(l.t)
	l.srv = nil
}

// serverURL is the URL the devices connect to: the front end's.
func (l *lab) serverURL() string { return "https://" + l.front.addr }

// call sends one API request to the server as user, decoding the answer.
func (l *lab) call(user, path string, out any) {
	l.t.Helper()
	req, err := http.NewRequest("GET", "https://"+l.srvAddr+path, nil)
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+l.tokens[user])
	resp, err := l.api.Do(req)
	if err != nil {
		l.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		l.t.Fatalf("GET %s: %s %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		l.t.Fatalf("GET %s: %v", path, err)
	}
}

// items returns every item of a list (deleted ones too), by key.
func (l *lab) items(list string) map[string]server.Item {
	l.t.Helper()
	out := map[string]server.Item{}
	ids := map[int64]bool{}
	for since := "0"; ; {
		var page server.ChangesReply
		l.call("alice", "/v1/lists/"+list+"/changes?since="+since+"&limit=1000", &page)
		for _, it := range page.Items {
			if ids[it.ID] {
				continue
			}
			ids[it.ID] = true
			if _, dup := out[it.Key]; dup {
				l.t.Fatalf("list %s: two items under key %s", list, it.Key)
			}
			out[it.Key] = it
		}
		since = page.Token
		if !page.More {
			return out
		}
	}
}

// refused returns a list's refused changes kept by the server.
func (l *lab) refused(list string) []server.Refused {
	l.t.Helper()
	var out struct {
		Refused []server.Refused `json:"refused"`
	}
	l.call("alice", "/v1/lists/"+list+"/refused", &out)
	return out.Refused
}

// device is one installation: a data folder and its `grove run`.
type device struct {
	l    *lab
	name string
	data string
	run  *proc
	addr string // where `grove run` accepts syncs
}

func (l *lab) newDevice(name string) *device {
	d := &device{l: l, name: name, data: filepath.Join(l.dir, name)}
	l.must("init", "--name", name, "--data", d.data)
	return d
}

var syncAddrRE = regexp.MustCompile(`\nsync\s+(\S+)\n`)

// start starts `grove run` on loopback with discovery off, and waits until
// it serves commands. A device started before listens where it did (its
// partners keep its last address), unless that port was taken meanwhile.
func (d *device) start() {
	d.l.t.Helper()
	if d.addr != "" {
		p := d.l.start(d.name, "run", "--data", d.data, "--listen", d.addr, "--interfaces", "none")
		if out, ok := p.ready(syncAddrRE); ok {
			d.run = p
			return
		} else if !strings.Contains(out, "address already in use") {
			d.l.t.Fatalf("%s did not start: %v\n%s", d.name, p.waitErr, out)
		}
		d.l.t.Logf("%s: %s is taken now; listening on a new port", d.name, d.addr)
	}
	d.run = d.l.start(d.name, "run", "--data", d.data, "--listen", "127.0.0.1:0", "--interfaces", "none")
	d.addr = syncAddrRE.FindStringSubmatch(d.run.waitOutput(d.l.t, syncAddrRE))[1]
}

// stop stops `grove run` cleanly; kill ends it with SIGKILL.
func (d *device) stop() { d.run.stop(d.l.t); d.run = nil }
func (d *device) kill() { d.run.kill(d.l.t); d.run = nil }

// grove runs a command on the device's data folder (handed to its running
// instance, if any).
func (d *device) grove(args ...string) (string, string, int) {
	d.l.t.Helper()
	return d.l.grove(append(args, "--data", d.data)...)
}

func (d *device) must(args ...string) string {
	d.l.t.Helper()
	return d.l.must(append(args, "--data", d.data)...)
}

func (d *device) mustJSON(v any, args ...string) {
	d.l.t.Helper()
	d.l.mustJSON(v, append(args, "--data", d.data)...)
}

// record is a record as `grove record list --json` prints it.
type record struct {
	ID     string         `json:"id"`
	Tool   string         `json:"tool"`
	Fields map[string]any `json:"fields"`
}

// records returns the live records of a tool, by ID.
func (d *device) records(ws, tool string) map[string]record {
	d.l.t.Helper()
	var list []record
	d.mustJSON(&list, "record", "list", "--ws", ws, "--tool", tool)
	out := make(map[string]record, len(list))
	for _, r := range list {
		out[r.ID] = r
	}
	return out
}

// toolField is a field as `grove tool list --json` prints it.
type toolField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// fields returns a tool's fields by name ("" type when the tool is
// missing).
func (d *device) fields(ws, tool string) map[string]string {
	d.l.t.Helper()
	var tools []struct {
		Name   string      `json:"name"`
		Fields []toolField `json:"fields"`
	}
	d.mustJSON(&tools, "tool", "list", "--ws", ws)
	out := map[string]string{}
	for _, t := range tools {
		if t.Name == tool {
			for _, f := range t.Fields {
				out[f.Name] = f.Type
			}
		}
	}
	return out
}

// refusedChange is one line of `grove refused list --json`.
type refusedChange struct {
	Record  string `json:"record"`
	Tool    string `json:"tool"`
	Field   string `json:"field"`
	Value   any    `json:"value"`
	Current any    `json:"current"`
	Shown   bool   `json:"shown"`
	Reason  string `json:"reason"`
}

func (d *device) refused(ws string) []refusedChange {
	d.l.t.Helper()
	var out []refusedChange
	d.mustJSON(&out, "refused", "list", "--ws", ws)
	return out
}

// eventually polls cond until it holds, failing the test after waitLimit;
// it returns how long it took.
func (l *lab) eventually(what string, cond func() (bool, string)) time.Duration {
	l.t.Helper()
	start := time.Now()
	var detail string
	for {
		var ok bool
		if ok, detail = cond(); ok {
			return time.Since(start)
		}
		if time.Since(start) > waitLimit {
			l.t.Fatalf("%s: did not happen within %s (%s)", what, waitLimit, detail)
		}
		time.Sleep(pollEvery)
	}
}

// proc is a started grove process.
type proc struct {
	name     string
	cmd      *exec.Cmd
	out, err *syncBuffer
	exited   chan struct{}
	waitErr  error
}

func (l *lab) start(name string, args ...string) *proc {
	l.t.Helper()
	p := &proc{name: name, cmd: exec.Command(l.bin, args...), out: &syncBuffer{}, err: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd.Env = l.env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.err
	if err := p.cmd.Start(); err != nil {
		l.t.Fatalf("start grove %s: %v", strings.Join(args, " "), err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	l.mu.Lock()
	l.procs = append(l.procs, p)
	l.mu.Unlock()
	return p
}

// waitOutput waits until the process's standard output matches re (its
// start-up lines), or fails if it exits first.
func (p *proc) waitOutput(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	out, ok := p.ready(re)
	if !ok {
		t.Fatalf("%s not ready: %v\n%s", p.name, p.waitErr, out)
	}
	return out
}

// ready waits until the process's standard output matches re; ok is false
// when it exited first (or hung), with its output.
func (p *proc) ready(re *regexp.Regexp) (string, bool) {
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		if out := p.out.String(); re.MatchString(out) {
			return out, true
		}
		select {
		case <-p.exited:
			return p.out.String() + p.err.String(), false
		case <-time.After(50 * time.Millisecond):
		}
	}
	p.cmd.Process.Kill()
	<-p.exited
	return p.out.String() + p.err.String(), false
}

// stop sends SIGTERM and waits for a clean exit (status 0).
func (p *proc) stop(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		t.Errorf("%s had already exited: %v\n%s", p.name, p.waitErr, p.err)
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		if p.waitErr != nil {
			t.Errorf("%s: unclean exit: %v\n%s", p.name, p.waitErr, p.err)
		}
	case <-time.After(exitLimit):
		p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("%s did not stop within %s of SIGTERM\n%s", p.name, exitLimit, p.err)
	}
}

// kill ends the process with SIGKILL: no chance to clean up.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Kill()
	<-p.exited
}

func (p *proc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stopAll stops what is still running, and shows the processes' logs
// when the test failed.
func (l *lab) stopAll() {
	l.mu.Lock()
	procs := l.procs
	l.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		if procs[i].running() {
			procs[i].stop(l.t)
		}
	}
	l.front.close()
	if l.t.Failed() {
		for _, p := range procs {
			l.t.Logf("--- %s (grove %s) ---\n%s%s", p.name, strings.Join(p.cmd.Args[1:], " "), p.out, p.err)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
