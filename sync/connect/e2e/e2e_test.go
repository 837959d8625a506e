package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grove-team/grove/sync/server"
)

// designs of the server's Contacts list, as `grove serve design import`
// reads them (grove design JSON): v1; v2 adds City; v3 retypes Phone to
// number, which the records holding text in Phone do not fit.
const (
	designV1 = `{"name": "Contacts", "fields": [
  {"name": "Name", "type": "text", "required": true},
  {"name": "Email", "type": "text"},
  {"name": "Phone", "type": "text"}]}`
	designV2 = `{"name": "Contacts", "fields": [
  {"name": "Name", "type": "text", "required": true},
  {"name": "Email", "type": "text"},
  {"name": "Phone", "type": "text"},
  {"name": "City", "type": "text"}]}`
	designV3 = `{"name": "Contacts", "fields": [
  {"name": "Name", "type": "text", "required": true},
  {"name": "Email", "type": "text"},
  {"name": "Phone", "type": "number"},
  {"name": "City", "type": "text"}]}`
)

// contactsRules are the flags every import of the Contacts design gives:
// a lookup into Companies named by list name, and the server's own rules.
var contactsRules = []string{"--field", "Company:lookup:Companies",
	"--email-domains", "company.com", "--email-fields", "Email", "--unique", "Email"}

// bulkRecords is how many records the crash step imports: five push
// batches of 200.
const bulkRecords = 1000

// TestConnectedModeEndToEnd runs connected mode with the real binaries: a
// `grove serve` process, and two devices (alpha, the manager, and bravo, a
// participant), each a data folder with `grove run` on loopback. It shows,
// in order: the server set up from the command line; alpha connected and
// bravo joined by invitation (peer sync to the invitation's address) and
// connected; local design edits refused on both; a change the server's
// e-mail rule refuses kept by the server, marked refused on alpha and, by
// peer sync, on bravo; the corrected change accepted; a server design
// update reaching alpha by its automatic sync and bravo by peer sync; an
// invalid server design update leaving production unchanged and recorded;
// the same change pushed by both devices at once making one item and one
// version; and alpha killed in the middle of a push losing nothing.
func TestConnectedModeEndToEnd(t *testing.T) {
	l := newLab(t)

	// The server, set up while it is stopped.
	var alice, bob struct {
		Token string      `json:"token"`
		User  server.User `json:"user"`
	}
	l.mustJSON(&alice, "serve", "user", "add", "alice", "--email", "alice@company.com", "--data", l.srvData)
	l.mustJSON(&bob, "serve", "user", "add", "bob", "--email", "bob@company.com", "--data", l.srvData)
	l.tokens["alice"], l.tokens["bob"] = alice.Token, bob.Token
	l.front.setUser(alice.Token, "alice")
	l.front.setUser(bob.Token, "bob")
	l.serve("list", "create", "Companies", "--field", "Name:text:required")
	out := l.serve(append([]string{"design", "import", l.file("contacts-v1.json", designV1)}, contactsRules...)...)
	if !strings.Contains(out, `"Contacts", design version 1`) {
		t.Fatalf("design import printed %q", out)
	}
	for _, g := range [][]string{{"alice", "Contacts", "design"}, {"alice", "Companies", "design"}, {"bob", "Contacts", "edit"}, {"bob", "Companies", "edit"}} {
		l.serve(append([]string{"grant"}, g...)...)
	}
	l.startServer()
	t.Logf("server at %s, devices reach it at %s (certificate %s…)", l.srvAddr, l.serverURL(), l.fingerprint[:16])

	// Alpha creates the workspace and connects it; bravo joins by
	// invitation and connects as a participant.
	a, b := l.newDevice("alpha"), l.newDevice("bravo")
	a.start()
	b.start()
	var ws struct {
		ID      string `json:"id"`
		Replica string `json:"replica"`
	}
	a.mustJSON(&ws, "workspace", "create", "Team")
	a.must("connect", "--ws", "Team", "--server", l.serverURL(), "--token", alice.Token, "--fingerprint", l.fingerprint)
	wantFields := map[string]string{"Name": "text", "Email": "text", "Phone": "text", "Company": "lookup"}
	if got := a.fields("Team", "Contacts"); !maps.Equal(got, wantFields) {
		t.Fatalf("alpha's mirrored Contacts: %v, want %v (the lookup named by list name is typed)", got, wantFields)
	}
	var inv struct {
		Code  string   `json:"code"`
		Addrs []string `json:"addrs"`
	}
	a.mustJSON(&inv, "invite", "--ws", "Team", "--role", "participant")
	if !slices.Equal(inv.Addrs, []string{a.addr}) {
		t.Fatalf("invitation addresses %v, want alpha's %s", inv.Addrs, a.addr)
	}
	var joined struct {
		Workspace string `json:"workspace"`
	}
	b.mustJSON(&joined, "join", inv.Code)
	if joined.Workspace != ws.ID {
		t.Fatalf("bravo joined %s, want %s", joined.Workspace, ws.ID)
	}
	if got := b.fields("Team", "Contacts"); !maps.Equal(got, wantFields) {
		t.Fatalf("bravo's Contacts after joining: %v", got)
	}
	b.must("connect", "--ws", "Team", "--server", l.serverURL(), "--token", bob.Token, "--fingerprint", l.fingerprint)

	// The design is the server's: local design edits are refused on both.
	for _, try := range []struct {
		d    *device
		args []string
	}{
		{b, []string{"design", "import", "--ws", "Team", l.file("local-design.json", designV2)}},
		{a, []string{"tool", "add", "--ws", "Team", "--template", "tasks"}},
	} {
		_, errOut, code := try.d.grove(try.args...)
		if code != 1 || !strings.Contains(errOut, "connected to a server: its design is the server's and is read-only here") ||
			!strings.Contains(errOut, "grove serve design import") {
			t.Fatalf("%s: grove %s: exit %d, %q; want a refusal that says why", try.d.name, strings.Join(try.args, " "), code, errOut)
		}
	}
	for _, d := range []*device{a, b} {
		if got := d.fields("Team", "Contacts"); !maps.Equal(got, wantFields) {
			t.Fatalf("%s's design changed after a refused edit: %v", d.name, got)
		}
		if got := d.fields("Team", "Tasks"); len(got) != 0 {
			t.Fatalf("%s has a Tasks tool after a refused tool add", d.name)
		}
	}

	// A server rule refuses a change: kept by the server, marked refused on
	// alpha and, by peer sync, on bravo; the corrected change is accepted.
	// Bravo is stopped while alpha pushes the change, so that alpha alone
	// sends it (a running bravo may push it too: the same change, refused
	// once), and syncs with alpha by `grove sync` afterwards.
	var eve struct {
		ID string `json:"id"`
	}
	a.mustJSON(&eve, "record", "put", "--ws", "Team", "--tool", "Contacts", "Name=Eve", "Email=eve@company.com", "Phone=call me")
	l.eventually("Eve reaches the server", func() (bool, string) {
		it, ok := l.items("Contacts")[eve.ID]
		return ok && it.Values["Email"] == "eve@company.com", fmt.Sprint(it.Values)
	})
	l.eventually("Eve reaches bravo", func() (bool, string) {
		r, ok := b.records("Team", "Contacts")[eve.ID]
		return ok && r.Fields["Email"] == "eve@company.com", fmt.Sprint(r.Fields)
	})
	b.stop()
	a.must("record", "put", "--ws", "Team", "--id", eve.ID, "Email=eve@elsewhere.org")
	l.eventually("alpha marks the change refused", func() (bool, string) {
		rs := a.refused("Team")
		return len(rs) == 1 && rs[0].Record == eve.ID && rs[0].Field == "Email" && rs[0].Value == "eve@elsewhere.org" &&
			strings.Contains(rs[0].Reason, "email-domain") && rs[0].Current == "eve@company.com" && !rs[0].Shown, fmt.Sprintf("%+v", rs)
	})
	kept := l.refused("Contacts")
	if len(kept) != 1 || kept[0].Key != eve.ID || kept[0].Code != server.CodeEmailDomain || kept[0].Update.Values["Email"] != "eve@elsewhere.org" {
		t.Fatalf("server's refused changes: %+v", kept)
	}
	if it := l.items("Contacts")[eve.ID]; it.Values["Email"] != "eve@company.com" {
		t.Fatalf("the server's item took the refused value: %v", it.Values)
	}
	if r := a.records("Team", "Contacts")[eve.ID]; r.Fields["Email"] != "eve@company.com" {
		t.Fatalf("alpha shows %v; the server's value should win over the refused one", r.Fields["Email"])
	}
	if rs := b.refused("Team"); len(rs) != 0 {
		t.Fatalf("bravo lists refused changes before any sync: %+v", rs)
	}
	t.Logf("peer sync: %s", strings.TrimSpace(b.must("sync", "--ws", "Team")))
	rs := b.refused("Team")
	if len(rs) != 1 || rs[0].Record != eve.ID || rs[0].Field != "Email" || rs[0].Value != "eve@elsewhere.org" || rs[0].Current != "eve@company.com" {
		t.Fatalf("bravo after peer sync: refused %+v; want alpha's refused change, marked", rs)
	}
	if r := b.records("Team", "Contacts")[eve.ID]; r.Fields["Email"] != "eve@company.com" {
		t.Fatalf("bravo shows %v; the server's value should win over the refused one", r.Fields["Email"])
	}
	t.Logf("bravo's listing:\n%s", b.must("refused", "list", "--ws", "Team"))
	b.start()

	a.must("record", "put", "--ws", "Team", "--id", eve.ID, "Email=eve.smith@company.com")
	l.eventually("the corrected change is accepted", func() (bool, string) {
		it := l.items("Contacts")[eve.ID]
		return it.Values["Email"] == "eve.smith@company.com", fmt.Sprint(it.Values)
	})
	l.eventually("bravo gets the corrected value", func() (bool, string) {
		r := b.records("Team", "Contacts")[eve.ID]
		return r.Fields["Email"] == "eve.smith@company.com", fmt.Sprint(r.Fields)
	})
	if kept := l.refused("Contacts"); len(kept) != 1 {
		t.Fatalf("the server's refused changes after the resubmission: %+v (the refusal is kept, once)", kept)
	}
	t.Logf("after the resubmission alpha lists %d refused change(s), bravo %d", len(a.refused("Team")), len(b.refused("Team")))

	// A valid server design update reaches alpha by its automatic sync and
	// bravo by peer sync.
	l.stopServer()
	out = l.serve(append([]string{"design", "import", l.file("contacts-v2.json", designV2)}, contactsRules...)...)
	if !strings.Contains(out, "design version 2") {
		t.Fatalf("design import printed %q", out)
	}
	l.startServer()
	v2Fields := map[string]string{"Name": "text", "Email": "text", "Phone": "text", "City": "text", "Company": "lookup"}
	toAlpha := l.eventually("design v2 reaches alpha", func() (bool, string) {
		got := a.fields("Team", "Contacts")
		return maps.Equal(got, v2Fields), fmt.Sprint(got)
	})
	toPeer := l.eventually("design v2 reaches bravo", func() (bool, string) {
		got := b.fields("Team", "Contacts")
		return maps.Equal(got, v2Fields), fmt.Sprint(got)
	})
	t.Logf("server design update: on alpha %s after the server restarted with it (automatic sync every 30 s), on bravo %s later",
		toAlpha.Round(time.Millisecond), toPeer.Round(time.Millisecond))
	a.must("record", "put", "--ws", "Team", "--id", eve.ID, "City=Lisbon")
	l.eventually("a value of the new field reaches the server", func() (bool, string) {
		it := l.items("Contacts")[eve.ID]
		return it.Values["City"] == "Lisbon", fmt.Sprint(it.Values)
	})
	l.eventually("and bravo", func() (bool, string) {
		r := b.records("Team", "Contacts")[eve.ID]
		return r.Fields["City"] == "Lisbon", fmt.Sprint(r.Fields)
	})

	// An invalid server design update (Phone retyped to number; Eve's
	// phone is "call me") leaves production unchanged and is recorded.
	snapshot := func(d *device) string {
		return d.must("record", "list", "--ws", "Team", "--json") + d.must("design", "export", "--ws", "Team")
	}
	beforeA, beforeB := snapshot(a), snapshot(b)
	l.stopServer()
	l.serve(append([]string{"design", "import", l.file("contacts-v3.json", designV3)}, contactsRules...)...)
	l.startServer()
	var rejections []struct {
		Name     string `json:"name"`
		Source   string `json:"source"`
		Problems []struct {
			Field   string `json:"fieldName"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	took := l.eventually("alpha records the rejected design", func() (bool, string) {
		a.mustJSON(&rejections, "design", "rejections", "--ws", "Team")
		return len(rejections) == 1 && rejections[0].Source == "server" && rejections[0].Name == "Contacts" &&
			len(rejections[0].Problems) > 0 && rejections[0].Problems[0].Field == "Phone", fmt.Sprintf("%+v", rejections)
	})
	t.Logf("invalid server design: rejected on alpha %s after the restart: %+v", took.Round(time.Millisecond), rejections[0])
	if got := snapshot(a); got != beforeA {
		t.Fatalf("alpha's production changed after a rejected design:\nbefore %s\nafter  %s", beforeA, got)
	}
	if got := snapshot(b); got != beforeB {
		t.Fatalf("bravo's production changed after a rejected design:\nbefore %s\nafter  %s", beforeB, got)
	}
	t.Logf("alpha's rejections:\n%s", a.must("design", "rejections", "--ws", "Team"))

	// The same change reaches the server by two routes: edited on alpha,
	// synced to bravo by peer sync, pushed by both at once (the front end
	// holds both batches until it has both). One item, one version.
	itemsBefore := len(l.items("Contacts"))
	two := newGate(func(user string, body []byte) bool { return bytes.Contains(body, []byte(eve.ID)) })
	l.front.setGate(two)
	a.must("record", "put", "--ws", "Team", "--id", eve.ID, "Name=Eve Smith")
	arrived := map[string]bool{}
	deadline := time.After(waitLimit)
	for !arrived["alice"] || !arrived["bob"] {
		select {
		case u := <-two.arrived:
			arrived[u] = true
		case <-deadline:
			t.Fatalf("both devices should push the change; arrived: %v", arrived)
		}
	}
	close(two.release)
	var versions []int64
	for range 2 {
		r := <-two.replies
		var br server.BatchReply
		if err := json.Unmarshal(r.body, &br); err != nil || r.status != 200 {
			t.Fatalf("%s's push: %d %s", r.user, r.status, r.body)
		}
		for _, res := range br.Results {
			if res.Key != eve.ID {
				continue
			}
			if res.Status != server.StatusAccepted || res.Item == nil {
				t.Fatalf("%s's push of the change: %+v", r.user, res)
			}
			versions = append(versions, res.Item.Fields["Name"].Version)
		}
	}
	l.front.setGate(nil)
	items := l.items("Contacts")
	it := items[eve.ID]
	if len(items) != itemsBefore || it.Values["Name"] != "Eve Smith" || len(versions) != 2 || versions[0] != versions[1] ||
		it.Fields["Name"].Version != versions[0] || it.Fields["Name"].Origin.Replica != ws.Replica {
		t.Fatalf("two routes: %d items (had %d), Name %+v %q, versions in the answers %v; want one item, one version from alpha's replica %s",
			len(items), itemsBefore, it.Fields["Name"], it.Values["Name"], versions, ws.Replica)
	}
	t.Logf("two routes: both pushes accepted, one item, Name at version %d from alpha's replica", versions[0])

	// Alpha is killed in the middle of a push and restarted: nothing is
	// lost or duplicated. Bravo is stopped meanwhile, so the records reach
	// the server only by alpha.
	b.stop()
	rows := make([]map[string]string, bulkRecords)
	for i := range rows {
		rows[i] = map[string]string{"Name": fmt.Sprintf("Bulk %04d", i)}
	}
	raw, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	var batches atomic.Int32
	crash := newGate(func(user string, body []byte) bool {
		return user == "alice" && bytes.Contains(body, []byte("Bulk ")) && batches.Add(1) == 3
	})
	l.front.setGate(crash)
	a.must("record", "import", "--ws", "Team", "--tool", "Contacts", l.file("bulk.json", string(raw)))
	select {
	case <-crash.arrived:
	case <-time.After(waitLimit):
		t.Fatalf("alpha did not push the imported records (%d batches seen)", batches.Load())
	}
	onServer := countBulk(l.items("Contacts"))
	a.kill()
	close(crash.release)
	if r := <-crash.replies; r.status != 200 {
		t.Fatalf("the held batch: %d %s", r.status, r.body)
	}
	l.front.setGate(nil)
	afterKill := countBulk(l.items("Contacts"))
	t.Logf("alpha killed (SIGKILL) mid-push: %d of %d records on the server before, %d once its last batch (answer never read) landed",
		onServer, bulkRecords, afterKill)
	if onServer >= bulkRecords || afterKill >= bulkRecords {
		t.Fatalf("the kill was not in the middle of the push: %d, %d of %d", onServer, afterKill, bulkRecords)
	}
	restarted := time.Now()
	a.start()
	b.start()
	l.eventually("every record reaches the server after the restart", func() (bool, string) {
		n := countBulk(l.items("Contacts"))
		return n == bulkRecords, fmt.Sprintf("%d of %d", n, bulkRecords)
	})
	t.Logf("all %d records on the server %s after alpha restarted", bulkRecords, time.Since(restarted).Round(time.Millisecond))
	for _, d := range []*device{a, b} {
		l.eventually(d.name+" holds exactly the server's records", func() (bool, string) {
			return sameRecords(l.items("Contacts"), d.records("Team", "Contacts"))
		})
	}
	for _, d := range []*device{a, b} {
		d.stop()
	}
	l.stopServer()
}

// file writes content to a file in the lab and returns its path.
func (l *lab) file(name, content string) string {
	l.t.Helper()
	p := filepath.Join(l.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		l.t.Fatal(err)
	}
	return p
}

func countBulk(items map[string]server.Item) int {
	n := 0
	for _, it := range items {
		if !it.Deleted && strings.HasPrefix(it.Values["Name"], "Bulk ") {
			n++
		}
	}
	return n
}

// sameRecords reports whether a device's records are the server's live
// items: the same keys and the same names.
func sameRecords(items map[string]server.Item, recs map[string]record) (bool, string) {
	live := 0
	for key, it := range items {
		if it.Deleted {
			continue
		}
		live++
		r, ok := recs[key]
		if !ok || r.Fields["Name"] != it.Values["Name"] {
			return false, fmt.Sprintf("item %s %q: record %v", key, it.Values["Name"], r.Fields)
		}
	}
	return live == len(recs), fmt.Sprintf("%d live items, %d records", live, len(recs))
}
