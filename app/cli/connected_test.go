package cli

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
	"github.com/grove-team/grove/sync/connect"
	"github.com/grove-team/grove/sync/server"
)

// startListServer serves a real Grove server over TLS on 127.0.0.1 with a
// Contacts list and an admin user; it returns the URL, fingerprint and
// token.
func startListServer(t *testing.T) (url, fp, token string, st *server.Store) {
	t.Helper()
	st, err := server.Open(t.TempDir(), server.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err = st.AddUser("alice", "alice@company.com", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutList(server.List{Name: "Contacts", Fields: []server.Field{
		{Internal: "Name", Title: "Name", Kind: wireform.Text, Required: true}}}); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		st.Close()
	})
	return "https://" + ln.Addr().String(), srv.Fingerprint(), token, st
}

// TestConnectedWorkspaceSyncsAutomatically: `grove connect` binds a
// workspace and stores the token; the running instance (StartNetwork)
// then pushes a local change to the server with no one asking, and the
// designer's edits are refused.
func TestConnectedWorkspaceSyncsAutomatically(t *testing.T) {
	t.Setenv("GROVE_INTERFACES", "lo")
	url, fp, token, srvStore := startListServer(t)
	data := t.TempDir()
	mustRun(t, data, "init", "--name", "laptop")
	mustRun(t, data, "workspace", "create", "Team")
	out := mustRun(t, data, "connect", "--ws", "Team", "--server", url, "--token", token, "--fingerprint", fp)
	if !strings.Contains(out, "connected to") || strings.Contains(out, token) {
		t.Fatalf("connect printed %q", out)
	}

	store, err := replica.Open(data, replica.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	wss, err := store.Workspaces()
	if err != nil || len(wss) != 1 {
		t.Fatalf("workspaces %v %v", wss, err)
	}
	ws := wss[0].ID
	if err := store.CheckDesignEditable(ws); !errors.Is(err, replica.ErrConnected) {
		t.Fatalf("design editable in connected mode: %v", err)
	}
	statuses := make(chan connect.Status, 16)
	ctx, cancel := context.WithCancel(context.Background())
	netw, err := StartNetwork(ctx, cancel, store, data, NetworkOptions{Listen: "127.0.0.1:0", Interfaces: "none",
		Interval: time.Hour, Logf: t.Logf,
		OnConnectedStatus: func(w uuid.UUID, st connect.Status) {
			select {
			case statuses <- st:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		if err := netw.Wait(); err != nil {
			t.Errorf("network: %v", err)
		}
	}()
	tool, err := store.FindTool(ws, "Contacts")
	if err != nil {
		t.Fatal(err)
	}
	name, _ := tool.FieldByName("Name")
	id, err := store.PutRecord(ws, tool.ID, uuid.Nil, map[uuid.UUID]schema.Value{name.ID: schema.TextValue("Ann")})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(60 * time.Second) // a hang guard, not a timing assertion
	for pushed := false; !pushed; {
		select {
		case st := <-statuses:
			pushed = st.Last.Accepted == 1
		case <-deadline:
			t.Fatal("the local change did not reach the server")
		}
	}
	rep, err := srvStore.Changes(server.User{ID: 1, Admin: true}, "Contacts", 0, 10)
	if err != nil || len(rep.Items) != 1 || rep.Items[0].Key != id.String() {
		t.Fatalf("server items %+v %v", rep.Items, err)
	}
	if st, ok := netw.Env.Connected.Status(ws); !ok || st.Server != url || st.LastError != "" {
		t.Fatalf("status %+v %v", st, ok)
	}
}
