package firstrun

import (
	"testing"
	"time"

	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

func TestCreateDemoHasContactsAndTasks(t *testing.T) {
	s, err := replica.Open(t.TempDir(), replica.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Init("test"); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, time.July, 9, 12, 0, 0, 0, time.UTC)
	ws, err := createDemo(s, now)
	if err != nil {
		t.Fatal(err)
	}
	tools, err := s.Tools(ws.ID)
	if err != nil || len(tools) != 2 || tools[0].Name != "Contacts" || tools[1].Name != "Tasks" {
		t.Fatalf("tools = %v, %v", tools, err)
	}
	tasks := tools[1]
	due, _ := tasks.FieldByName("Due")
	n, inMonth := 0, 0
	err = s.Records(ws.ID, tasks.ID, func(r *replica.Record) error {
		n++
		if v := r.Value(due.ID); v.Kind() == schema.Date && v.Date().Month() == time.July && v.Date().Year() == 2026 {
			inMonth++
		}
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("%d tasks, %v", n, err)
	}
	if inMonth < n/2 {
		t.Errorf("%d of %d tasks due in the current month, want most", inMonth, n)
	}
}
