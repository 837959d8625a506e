package replicatest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// TestPullMovesChangesAndRefusals: Pull brings what the destination lacks
// (twice is a no-op) and returns a failure without adding knowledge.
func TestPullMovesChangesAndRefusals(t *testing.T) {
	a, b := Open(t, "a"), Open(t, "b")
	name := schema.Field{ID: uuid.New(), Name: "Name", Type: schema.Text}
	tool := &schema.Tool{ID: uuid.New(), Name: "Contacts", Fields: []schema.Field{name}}
	ws, err := a.CreateWorkspace("Team", tool)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Device()
	if _, err := b.JoinWorkspace(ws.ID, ws.Name, da.ID); err != nil {
		t.Fatal(err)
	}
	id, err := a.PutRecord(ws.ID, tool.ID, uuid.Nil, map[uuid.UUID]schema.Value{name.ID: schema.TextValue("Ada")})
	if err != nil {
		t.Fatal(err)
	}
	PullAll(t, a, b, ws.ID)
	PullAll(t, a, b, ws.ID)
	r, err := b.Record(ws.ID, id)
	if err != nil || len(r.Fields) != 1 || r.Fields[0].Value.Text() != "Ada" {
		t.Fatalf("record on b: %+v %v", r, err)
	}
	// A source without the workspace: an error, and b's knowledge stays.
	before, _ := b.Knowledge(ws.ID, replica.ScopeData)
	if err := Pull(Open(t, "c"), b, ws.ID, replica.ScopeData); err == nil {
		t.Fatal("pull from a store without the workspace: no error")
	}
	after, _ := b.Knowledge(ws.ID, replica.ScopeData)
	if !slices.Equal(after.Replicas, before.Replicas) {
		t.Errorf("knowledge changed after a failed pull: %v -> %v", before.Replicas, after.Replicas)
	}
}

// TestImportedOnlyByTests checks that no package of the module imports
// replicatest from its non-test files.
func TestImportedOnlyByTests(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command")
	}
	const self = "github.com/grove-team/grove/replica/replicatest"
	cmd := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, line := range lines {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if imp == self && fields[0] != "github.com/grove-team/grove/app/internal/apptest" {
				t.Errorf("%s imports replicatest outside its tests", fields[0])
			}
		}
	}
	if len(lines) < 2 {
		t.Fatalf("go list listed %d packages:\n%s", len(lines), out)
	}
}
