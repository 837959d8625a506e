package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRefusedListEmpty: a workspace without refused changes says so, and
// --json prints an empty array (the connected-mode end-to-end test in
// sync/connect/e2e lists real refusals).
func TestRefusedListEmpty(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "workspace", "create", "Team", "--template", "contacts")
	if out := mustRun(t, data, "refused", "list", "--ws", "Team"); !strings.Contains(out, "No refused changes.") {
		t.Fatalf("refused list printed %q", out)
	}
	var list []refusedJSON
	out := mustRun(t, data, "refused", "list", "--ws", "Team", "--json")
	if err := json.Unmarshal([]byte(out), &list); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("refused list --json printed %q (%v)", out, err)
	}
	if _, errOut, code := runCLI(t, data, "refused", "list"); code != 2 || !strings.Contains(errOut, "--ws is required") {
		t.Fatalf("without --ws: exit %d %q", code, errOut)
	}
}
