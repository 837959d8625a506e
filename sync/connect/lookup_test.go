package connect

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
	"github.com/grove-team/grove/sync/server"
)

// TestLookupNamedByListName: a lookup created the way `grove serve list
// create --field Company:lookup:Companies` writes it (the target by list
// name) is mirrored as a typed lookup into the target list's tool, because
// the server stores the target's ID. A pulled item's lookup value is the
// target item's record, and a local edit that points at another company
// travels back in the exact wire form.
func TestLookupNamedByListName(t *testing.T) {
	srv := startServer(t)
	alice := srv.users["alice"]
	companies, err := srv.store.PutList(server.List{Name: "Companies", Fields: []server.Field{{Internal: "Name", Title: "Name", Kind: wireform.Text}}})
	if err != nil {
		t.Fatal(err)
	}
	var fields []server.Field
	for _, spec := range []string{"Name:text:required", "Company:lookup:Companies"} {
		f, err := server.ParseFieldSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		fields = append(fields, f)
	}
	people, err := srv.store.PutList(server.List{Name: "People", Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	br, err := srv.store.ApplyBatch(alice, "Companies", []server.Update{
		{Key: uuid.NewString(), Values: map[string]string{"Name": "Acme Corp"}},
		{Key: uuid.NewString(), Values: map[string]string{"Name": "Globex"}}})
	if err != nil || br.Results[1].Status != server.StatusAccepted {
		t.Fatalf("companies: %+v %v", br, err)
	}
	acme, globex := br.Results[0].Item, br.Results[1].Item
	br, err = srv.store.ApplyBatch(alice, "People", []server.Update{{Key: uuid.NewString(),
		Values: map[string]string{"Name": "Ann", "Company": fmt.Sprintf("%d;#Acme Corp", acme.ID)}}})
	if err != nil || br.Results[0].Status != server.StatusAccepted {
		t.Fatalf("people: %+v %v", br, err)
	}
	ann := br.Results[0].Item

	s := openReplica(t, "ann")
	w, err := s.CreateWorkspace("Team")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Store: s, WS: w.ID, Server: srv.url, Token: srv.tokens["alice"], Fingerprint: srv.fp, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ctx := context.Background()
	b, err := c.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	tool, err := s.FindTool(w.ID, "People")
	if err != nil {
		t.Fatal(err)
	}
	company, ok := tool.FieldByName("Company")
	if !ok || company.Type != schema.Lookup || company.LookupTool != wireform.ToolID(b.ServerDevice[:], companies.ID) {
		t.Fatalf("mirrored Company field %+v: want a lookup into the Companies tool", company)
	}
	if people.Fields[1].LookupList != fmt.Sprint(companies.ID) {
		t.Fatalf("server design lookupList %q", people.Fields[1].LookupList)
	}
	rec, err := s.Record(w.ID, uuid.MustParse(ann.Key))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Value(company.ID), schema.LookupValue(uuid.MustParse(acme.Key)); !got.Equal(want) {
		t.Fatalf("Ann's company is %v, want the Acme record %v", got, want)
	}

	// Moved to Globex here: the server gets Globex's item ID and display text.
	if _, err := s.PutRecord(w.ID, tool.ID, rec.ID, map[uuid.UUID]schema.Value{company.ID: schema.LookupValue(uuid.MustParse(globex.Key))}); err != nil {
		t.Fatal(err)
	}
	rep, err := c.Sync(ctx)
	if err != nil || rep.Accepted != 1 {
		t.Fatalf("push: %+v %v", rep, err)
	}
	item, err := srv.store.GetItem(alice, "People", ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := item.Values["Company"], fmt.Sprintf("%d;#Globex", globex.ID); got != want {
		t.Fatalf("server holds Company %q, want %q", got, want)
	}
}
