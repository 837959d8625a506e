package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/grove-team/grove/schema/wireform"
)

// TestLookupTargetByName: a lookup field may name its target list by name
// (any case) or ID, from the command line's field spec or the API; the
// signed design holds the target's ID, which clients mirror as a typed
// lookup. A list may look into itself; an unknown or missing target is
// refused with a message that names it, and nothing is saved.
func TestLookupTargetByName(t *testing.T) {
	st, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	companies, err := st.PutList(List{Name: "Companies", Fields: []Field{{Internal: "Name", Title: "Name", Kind: wireform.Text}}})
	if err != nil {
		t.Fatal(err)
	}
	spec := func(s string) Field {
		t.Helper()
		f, err := ParseFieldSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	contacts, err := st.PutList(List{Name: "Contacts", Fields: []Field{
		spec("Name:text:required"),
		spec("Company:lookup:companies"), // by name, another case
		spec("Employer:lookup:" + strconv.FormatInt(companies.ID, 10)),
		spec("Manager:lookup:Contacts"), // into itself, on create
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Company": strconv.FormatInt(companies.ID, 10), "Employer": strconv.FormatInt(companies.ID, 10),
		"Manager": strconv.FormatInt(contacts.ID, 10)}
	for in, id := range want {
		f, ok := contacts.Field(in)
		if !ok || f.LookupList != id {
			t.Fatalf("field %s: lookupList %+v, want %s", in, f, id)
		}
		if got, ok := wireform.LookupTarget(*f); !ok || strconv.FormatInt(got, 10) != id {
			t.Fatalf("field %s: not a typed lookup target (%d %v)", in, got, ok)
		}
	}
	if !VerifyDesign(st.PublicKey(), contacts) {
		t.Fatal("the resolved design is not what was signed")
	}
	stored, err := st.List("Contacts")
	if err != nil || stored.Fields[1].LookupList != want["Company"] {
		t.Fatalf("stored design %+v %v", stored, err)
	}

	for _, c := range []struct{ target, msg string }{
		{"Suppliers", `lookup target list "Suppliers" does not exist`},
		{"999", `lookup target list "999" does not exist`},
		{"", "a lookup needs its target list"},
	} {
		f := Field{Internal: "Supplier", Title: "Supplier", Kind: wireform.Lookup, LookupList: c.target}
		_, err := st.PutList(List{Name: "Orders", Fields: []Field{{Internal: "Title", Title: "Title", Kind: wireform.Text}, f}})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), `field "Supplier"`) {
			t.Fatalf("target %q: %v", c.target, err)
		}
		if _, err := st.List("Orders"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("a refused list was saved: %v", err)
		}
	}

	// Over the API: PUT names the target by name and gets the ID back; an
	// unknown target is a 400 "invalid".
	admin, token, err := st.AddUser("admin", "admin@company.com", true)
	if err != nil || !admin.Admin {
		t.Fatal(admin, err)
	}
	h := st.Handler()
	put := func(body string) (*httptest.ResponseRecorder, List) {
		req := httptest.NewRequest("PUT", "/v1/lists/Orders", bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var l List
		json.Unmarshal(rec.Body.Bytes(), &l)
		return rec, l
	}
	rec, _ := put(`{"name": "Orders", "fields": [{"internalName": "Customer", "title": "Customer", "type": "lookup", "lookupList": "Nobody"}]}`)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `\"Nobody\" does not exist`) {
		t.Fatalf("unknown target over the API: %d %s", rec.Code, rec.Body)
	}
	rec, orders := put(`{"name": "Orders", "fields": [{"internalName": "Customer", "title": "Customer", "type": "lookup", "lookupList": "CONTACTS"}]}`)
	if rec.Code != http.StatusOK || orders.Fields[0].LookupList != strconv.FormatInt(contacts.ID, 10) {
		t.Fatalf("target by name over the API: %d %s", rec.Code, rec.Body)
	}
}
