package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDesignAndRecordCommands(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "init", "--name", "laptop")
	mustRun(t, data, "workspace", "create", "Ops")
	if out := mustRun(t, data, "tool", "add", "--ws", "ops", "--template", "inventory"); !strings.Contains(out, "Inventory") {
		t.Fatalf("tool add: %q", out)
	}
	if _, errOut, code := runCLI(t, data, "tool", "add", "--ws", "ops", "--template", "inventory"); code != 1 || !strings.Contains(errOut, "already has") {
		t.Fatalf("second tool add: %d %s", code, errOut)
	}

	// Import validates every row first: nothing is written when one fails,
	// and the errors name row, field and rule.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("Item,SKU,Quantity,Category\nDrill,DR-1,3,Hardware\nSaw,sa w,-1,Tools\n"), 0o600)
	_, errOut, code := runCLI(t, data, "record", "import", "--ws", "ops", "--tool", "inventory", bad)
	for _, want := range []string{`row 2: field "Category": choice`, `row 2: field "SKU": pattern`, `row 2: field "Quantity": min`} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("bad import: exit %d, missing %q in\n%s", code, want, errOut)
		}
	}
	if out := mustRun(t, data, "record", "list", "--ws", "ops"); !strings.Contains(out, "No records") {
		t.Fatalf("a refused import wrote: %s", out)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("Item,SKU,Quantity,Unit price,Category\nDrill,DR-1,3,\"1,299.00\",Hardware\nPaper,PA-4,,4.5,Office\n"), 0o600)
	if out := mustRun(t, data, "record", "import", "--ws", "ops", "--tool", "inventory", good); !strings.Contains(out, "Imported 2") {
		t.Fatalf("import: %s", out)
	}
	// Unique SKU: importing the same rows again is refused whole.
	if _, errOut, code := runCLI(t, data, "record", "import", "--ws", "ops", "--tool", "inventory", good); code != 1 || !strings.Contains(errOut, "unique") {
		t.Fatalf("duplicate import: %d %s", code, errOut)
	}

	// Export CSV and JSON; CSV round-trips through import into a fresh tool.
	csvOut := mustRun(t, data, "record", "export", "--ws", "ops", "--tool", "inventory", "--format", "csv")
	if !strings.Contains(csvOut, "Drill,DR-1,Hardware,3,,1299.00,") || !strings.Contains(csvOut, "Paper,PA-4,Office,0,") {
		t.Fatalf("csv export:\n%s", csvOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, data, "record", "export", "--ws", "ops", "--tool", "inventory", "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0]["Unit price"] != 1299.0 || rows[1]["Quantity"] != 0.0 {
		t.Fatalf("json export: %v", rows)
	}
	mustRun(t, data, "workspace", "create", "Copy")
	mustRun(t, data, "tool", "add", "--ws", "copy", "--template", "inventory")
	exported := filepath.Join(dir, "export.json")
	os.WriteFile(exported, []byte(mustRun(t, data, "record", "export", "--ws", "ops", "--tool", "inventory", "--format", "json")), 0o600)
	mustRun(t, data, "record", "import", "--ws", "copy", "--tool", "inventory", exported)
	if again := mustRun(t, data, "record", "export", "--ws", "copy", "--tool", "inventory", "--format", "csv"); again != csvOut {
		t.Fatalf("JSON round trip differs:\n%s\n%s", again, csvOut)
	}

	// Design export, edit, import: a safe change is applied and reported…
	design := mustRun(t, data, "design", "export", "--ws", "ops", "--tool", "inventory")
	edited := strings.Replace(design, `"name": "Location"`, `"name": "Shelf"`, 1)
	file := filepath.Join(dir, "design.json")
	os.WriteFile(file, []byte(edited), 0o600)
	if out := mustRun(t, data, "design", "import", "--ws", "ops", file); !strings.Contains(out, `renamed field "Location" to "Shelf"`) {
		t.Fatalf("design import: %s", out)
	}
	// …one the records do not fit is refused, naming record, field and rule.
	var doc struct {
		Tools []map[string]any `json:"tools"`
	}
	renamed := mustRun(t, data, "design", "export", "--ws", "ops", "--tool", "inventory")
	json.Unmarshal([]byte(renamed), &doc)
	for _, f := range doc.Tools[0]["fields"].([]any) {
		if fm := f.(map[string]any); fm["name"] == "Category" {
			fm["choices"] = []string{"Office"}
		}
	}
	b, _ := json.Marshal(doc)
	os.WriteFile(file, b, 0o600)
	out, errOut, code := runCLI(t, data, "design", "import", "--ws", "ops", file)
	if code != 1 || !strings.Contains(out, "refused") || !strings.Contains(out, `field "Category": choice: "Hardware" is not one of`) {
		t.Fatalf("refused design import: %d\n%s\n%s", code, out, errOut)
	}
	if rej := mustRun(t, data, "design", "rejections", "--ws", "ops"); !strings.Contains(rej, `Tool "Inventory"`) {
		t.Fatalf("rejections: %s", rej)
	}
	if after := mustRun(t, data, "design", "export", "--ws", "ops", "--tool", "inventory"); after != renamed {
		t.Fatal("a refused design changed the stored design")
	}
	// A malformed design says why.
	os.WriteFile(file, []byte(`{"name":"X","fields":[{"name":"A","type":"money"}]}`), 0o600)
	if _, errOut, code := runCLI(t, data, "design", "import", "--ws", "ops", file); code != 1 || !strings.Contains(errOut, `unknown type "money"`) {
		t.Fatalf("malformed design: %d %s", code, errOut)
	}
}
