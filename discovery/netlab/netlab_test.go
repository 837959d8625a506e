package netlab

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportedOnlyByTests checks that no package of the module imports
// netlab from its non-test files.
func TestImportedOnlyByTests(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command")
	}
	const self = "github.com/grove-team/grove/discovery/netlab"
	cmd := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	users := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if imp == self {
				t.Errorf("%s imports netlab outside its tests", fields[0])
			}
		}
		users++
	}
	if users < 2 {
		t.Fatalf("go list listed %d packages:\n%s", users, out)
	}
}
