package connect

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/schema/wireform"
	"github.com/grove-team/grove/sync/server"
)

// fuzzField is the server field of kind k the fuzz target translates.
func fuzzField(k wireform.Kind) wireform.Field {
	f := wireform.Field{Internal: "F", Title: "F", Kind: k}
	switch k {
	case wireform.Choice, wireform.MultiChoice:
		f.Choices = []string{"Red", "Blue"}
	case wireform.Lookup:
		f.LookupList = "2"
	}
	return f
}

// FuzzToLocalToWire: for every valid wire form, ToLocal then ToWire gives
// back the input byte for byte; an invalid one gets an error wrapping
// wireform.ErrMalformed from ToLocal.
func FuzzToLocalToWire(f *testing.F) {
	kinds := wireform.Kinds()
	for _, c := range []struct {
		k wireform.Kind
		s string
	}{
		{wireform.Person, "123;#john@company.com"}, {wireform.Person, "4;#Ann Lee"}, {wireform.Person, "5;#a;#b"},
		{wireform.Lookup, "7;#Acme Corp"}, {wireform.Lookup, "7;#"}, {wireform.MultiChoice, ";#Red;#Blue;#"},
		{wireform.MultiChoice, ";#Blue;#Red;#Blue;#"}, {wireform.MultiChoice, ";#a;;b;#"}, {wireform.URL, "https://x"},
		{wireform.URL, "https://x/a,,b, Description"}, {wireform.DateTime, "2024-05-01T10:30:00Z"},
		{wireform.Date, "2024-05-01"}, {wireform.Number, "1e+21"}, {wireform.Boolean, "1"}, {wireform.Text, "Hello"},
		{wireform.Person, "0;#x@y.z"}, {wireform.Person, "1;#a\x1fb"}, {wireform.MultiChoice, ";#;#"},
		{wireform.URL, "https://x, "}, {wireform.DateTime, "2024-05-01T10:30:00+02:00"},
	} {
		f.Add(uint8(slicesIndex(kinds, c.k)), c.s)
	}
	server := make([]byte, 32)
	f.Fuzz(func(t *testing.T, ki uint8, s string) {
		fld := fuzzField(kinds[int(ki)%len(kinds)])
		d := &Directory{Users: map[int64]DirectoryUser{123: {Name: "John", Email: "john@company.com"}}}
		v, err := d.ToLocal(server, fld, s)
		if checkErr := wireform.Check(fld.Kind, s); checkErr != nil {
			if err == nil || !errors.Is(err, wireform.ErrMalformed) {
				t.Fatalf("%s %q: ToLocal gave %v, want a malformed error (%v)", fld.Kind, s, err, checkErr)
			}
			return
		}
		if err != nil {
			t.Fatalf("%s %q: %v", fld.Kind, s, err)
		}
		back, err := d.ToWire(fld, v)
		if err != nil || back != s {
			t.Fatalf("%s %q: local %v, back %q %v", fld.Kind, s, v, back, err)
		}
	})
}

func slicesIndex(ks []wireform.Kind, k wireform.Kind) int {
	for i, x := range ks {
		if x == k {
			return i
		}
	}
	return 0
}

// TestToWireRefusesWhatCannotTravel: a lookup of a record the server does
// not have and a person who is not a server user are not sent.
func TestToWireRefusesWhatCannotTravel(t *testing.T) {
	d := &Directory{}
	if _, err := d.ToWire(fuzzField(wireform.Lookup), schema.LookupValue(uuid.New())); !errors.Is(err, ErrUntranslatable) {
		t.Fatalf("unknown lookup: %v", err)
	}
	member := schema.PersonValue(schema.PersonParts{ID: "member:ABCD", Name: "Ann"})
	if _, err := d.ToWire(fuzzField(wireform.Person), member); !errors.Is(err, ErrUntranslatable) {
		t.Fatalf("member person: %v", err)
	}
}

// TestTypedValuesThroughServer pushes and pulls person, lookup, multi-
// choice, URL and date-time values through a real server: the server's
// items hold the exact wire forms, the local records typed parts.
func TestTypedValuesThroughServer(t *testing.T) {
	srv := startServer(t)
	alice, carol := srv.users["alice"], srv.users["carol"]
	cust, err := srv.store.PutList(server.List{Name: "Customers", Fields: []server.Field{{Internal: "Name", Title: "Name", Kind: wireform.Text}}})
	if err != nil {
		t.Fatal(err)
	}
	orders, err := srv.store.PutList(server.List{Name: "Orders", Fields: []server.Field{
		{Internal: "Title", Title: "Title", Kind: wireform.Text},
		{Internal: "Customer", Title: "Customer", Kind: wireform.Lookup, LookupList: strconv.FormatInt(cust.ID, 10)},
		{Internal: "Colors", Title: "Colors", Kind: wireform.MultiChoice, Choices: []string{"Red", "Blue"}},
		{Internal: "Site", Title: "Site", Kind: wireform.URL},
		{Internal: "Owner", Title: "Owner", Kind: wireform.Person},
		{Internal: "When", Title: "When", Kind: wireform.DateTime},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Made on the server: a customer and an order naming it, and one naming
	// a customer item this client will never pull.
	br, err := srv.store.ApplyBatch(alice, "Customers", []server.Update{{Key: uuid.NewString(), Values: map[string]string{"Name": "Acme Corp"}}})
	if err != nil || br.Results[0].Status != server.StatusAccepted {
		t.Fatalf("customer: %+v %v", br, err)
	}
	acme := br.Results[0].Item
	pulledWire := map[string]string{"Title": "first", "Customer": fmt.Sprintf("%d;#Acme Corp", acme.ID), "Colors": ";#Red;#Blue;#",
		"Site": "https://x.example/a,,b, Home page", "Owner": alice.Person(), "When": "2024-05-01T10:30:00Z"}
	ghostWire := map[string]string{"Title": "ghost", "Customer": "999;#Gone Ltd"}
	br, err = srv.store.ApplyBatch(alice, "Orders", []server.Update{{Key: uuid.NewString(), Values: pulledWire}, {Key: uuid.NewString(), Values: ghostWire}})
	if err != nil || br.Results[0].Status != server.StatusAccepted || br.Results[1].Status != server.StatusAccepted {
		t.Fatalf("orders: %+v %v", br, err)
	}
	first, ghost := br.Results[0].Item, br.Results[1].Item

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
	b, err := c.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sync1(t, c)
	var ob replica.BoundList
	for _, bl := range b.Lists {
		if bl.ListID == orders.ID {
			ob = bl
		}
	}
	fld := func(in string) uuid.UUID { return ob.Fields[in] }

	// Pulled: typed parts locally.
	r, err := s.Record(w.ID, uuid.MustParse(first.Key))
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Value(fld("Owner")).Person(); p != (schema.PersonParts{ID: fmt.Sprintf("user:%d", alice.ID), Email: alice.Email, Name: alice.Name}) {
		t.Fatalf("owner parts %+v", p)
	}
	if got := r.Value(fld("Customer")).Record(); got != uuid.MustParse(acme.Key) {
		t.Fatalf("customer record %s, want %s", got, acme.Key)
	}
	if got := fmt.Sprint(r.Value(fld("Colors")).Items()); got != "[Blue Red]" {
		t.Fatalf("colors %s", got)
	}
	if got := r.Value(fld("Site")); got.Kind() != schema.Text || got.Text() != "https://x.example/a,b" {
		t.Fatalf("site %v", got)
	}
	if got := r.Value(fld("When")).Time(); !got.Equal(time.Date(2024, 5, 1, 10, 30, 0, 0, time.UTC)) {
		t.Fatalf("when %v", got)
	}
	// The persisted directory gives back the exact wire forms of pulled
	// values, the lookup of the never-pulled item too.
	b, _, _ = s.Binding(w.ID)
	d, err := parseDirectory(b.Directory)
	if err != nil {
		t.Fatal(err)
	}
	gr, err := s.Record(w.ID, uuid.MustParse(ghost.Key))
	if err != nil {
		t.Fatal(err)
	}
	for rec, want := range map[*replica.Record]map[string]string{r: pulledWire, gr: ghostWire} {
		for in, wire := range want {
			f, _ := orders.Field(in)
			if got, err := d.ToWire(*f, rec.Value(fld(in))); err != nil || got != wire {
				t.Errorf("%s: back to %q %v, want %q", in, got, err, wire)
			}
		}
	}

	// Pushed: a new local order in typed parts reaches the server in the
	// exact wire forms.
	vals := map[uuid.UUID]schema.Value{
		fld("Title"):    schema.TextValue("second"),
		fld("Customer"): schema.LookupValue(uuid.MustParse(acme.Key)),
		fld("Colors"):   schema.MultiChoiceValue("Blue", "Red"),
		fld("Site"):     schema.TextValue("https://y.example/p"),
		fld("Owner"):    schema.PersonValue(schema.PersonParts{ID: fmt.Sprintf("user:%d", carol.ID), Email: carol.Email, Name: carol.Name}),
		fld("When"):     schema.DateTimeValue(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)),
	}
	id, err := s.PutRecord(w.ID, ob.Tool, uuid.Nil, vals)
	if err != nil {
		t.Fatal(err)
	}
	if rep := sync1(t, c); rep.Accepted != 1 || rep.Refused != 0 {
		t.Fatalf("push: %+v", rep)
	}
	ch, err := srv.store.Changes(alice, "Orders", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Title": "second", "Customer": fmt.Sprintf("%d;#Acme Corp", acme.ID), "Colors": ";#Red;#Blue;#",
		"Site": "https://y.example/p", "Owner": carol.Person(), "When": "2025-01-02T03:04:05Z"}
	found := false
	for _, it := range ch.Items {
		if it.Key != id.String() {
			continue
		}
		found = true
		for in, wire := range want {
			if it.Values[in] != wire {
				t.Errorf("server %s = %q, want %q", in, it.Values[in], wire)
			}
		}
	}
	if !found {
		t.Fatal("pushed order not on the server")
	}
}
