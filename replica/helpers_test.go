package replica

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
)

// openTestStore opens an initialized store in a temporary folder and checks
// the file's consistency when the test ends.
func openTestStore(t testing.TB, name string) *Store {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if _, err := s.Init(name); err != nil {
		t.Fatalf("init: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Errorf("consistency: %v", err)
		}
		s.Close()
	})
	return s
}

func fid(tool, name string) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("grove-test/"+tool+"/"+name))
}

// testContacts is a small contacts design used across the tests.
func testContacts() *schema.Tool {
	max := 200.0
	return &schema.Tool{
		ID:   fid("contacts", ""),
		Name: "Contacts",
		Fields: []schema.Field{
			{ID: fid("contacts", "name"), Name: "Name", Type: schema.Text, Required: true, MaxLength: 200},
			{ID: fid("contacts", "email"), Name: "Email", Type: schema.Text, Pattern: `[^@\s]+@[^@\s]+`},
			{ID: fid("contacts", "phone"), Name: "Phone", Type: schema.Text},
			{ID: fid("contacts", "company"), Name: "Company", Type: schema.Text},
			{ID: fid("contacts", "title"), Name: "Title", Type: schema.Text},
			{ID: fid("contacts", "city"), Name: "City", Type: schema.Text},
			{ID: fid("contacts", "notes"), Name: "Notes", Type: schema.LongText},
			{ID: fid("contacts", "tag"), Name: "Tag", Type: schema.Choice, Choices: []string{"Customer", "Supplier", "Friend"}},
			{ID: fid("contacts", "score"), Name: "Score", Type: schema.Number, Max: &max},
		},
	}
}

var (
	fName  = fid("contacts", "name")
	fEmail = fid("contacts", "email")
	fCity  = fid("contacts", "city")
	fPhone = fid("contacts", "phone")
	fScore = fid("contacts", "score")
)

// contact returns deterministic values for contact number i.
func contact(i int) map[uuid.UUID]schema.Value {
	return map[uuid.UUID]schema.Value{
		fName:                      schema.TextValue(fmt.Sprintf("Person %06d", i)),
		fEmail:                     schema.TextValue(fmt.Sprintf("person%d@example.com", i)),
		fPhone:                     schema.TextValue(fmt.Sprintf("+1 555 %07d", i)),
		fid("contacts", "company"): schema.TextValue(fmt.Sprintf("Company %d", i%977)),
		fid("contacts", "title"):   schema.TextValue("Engineer"),
		fCity:                      schema.TextValue([]string{"Lisbon", "Oslo", "Quito", "Perth"}[i%4]),
		fid("contacts", "notes"):   schema.TextValue("Met at the fair."),
		fid("contacts", "tag"):     schema.ChoiceValue("Customer"),
	}
}

// newWorkspace creates a workspace with the test contacts tool.
func newWorkspace(t testing.TB, s *Store) Workspace {
	t.Helper()
	ws, err := s.CreateWorkspace("Team", testContacts())
	if err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	return ws
}

// fixedClock returns a clock that advances one millisecond per call.
func fixedClock() func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Millisecond); return t }
}
