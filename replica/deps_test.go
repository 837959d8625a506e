package replica

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the domain packages free of the GUI toolkit and the
// screens free of storage, as DESIGN §2 requires.
func TestDependencies(t *testing.T) {
	cases := []struct {
		pkgs      []string
		forbidden string
	}{
		{[]string{"./replica/...", "./schema/...", "./assets/...", "./sync/...", "./discovery/...", "./app/model", "./app/cli", "./app/firstrun"}, "fyne.io/"},
		{[]string{"./app", "./app/model", "./widgets/..."}, "go.etcd.io/bbolt"},
	}
	for _, c := range cases {
		for _, p := range c.pkgs {
			cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", p)
			cmd.Dir = ".."
			out, err := cmd.CombinedOutput()
			if err != nil {
				if strings.Contains(string(out), "matched no packages") || strings.Contains(string(out), "no such file") {
					continue
				}
				t.Fatalf("go list %s: %v\n%s", p, err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				if strings.HasPrefix(dep, c.forbidden) {
					t.Errorf("%s depends on %s", p, dep)
				}
			}
		}
	}
}
