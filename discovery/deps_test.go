package discovery

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps discovery free of the GUI toolkit and the store
// (DESIGN §2): it may use replica/identity, nothing else of replica.
func TestDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(dep, "fyne.io/"), strings.HasPrefix(dep, "go.etcd.io/bbolt"):
			t.Errorf("discovery depends on %s", dep)
		case strings.HasPrefix(dep, "github.com/grove-team/grove/") &&
			dep != "github.com/grove-team/grove/discovery" && dep != "github.com/grove-team/grove/replica/identity":
			t.Errorf("discovery depends on %s", dep)
		}
	}
}
