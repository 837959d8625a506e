package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// run invokes the command line in-process against a data folder.
func runCLI(t *testing.T, data string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(append(args, "--data", data), &o, &e)
	return o.String(), e.String(), code
}

func mustRun(t *testing.T, data string, args ...string) string {
	t.Helper()
	out, errOut, code := runCLI(t, data, args...)
	if code != 0 {
		t.Fatalf("grove %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

var uuidRE = regexp.MustCompile(`^[0-9a-f-]{36}\n$`)

func TestRecordsEndToEnd(t *testing.T) {
	data := t.TempDir()
	id1 := mustRun(t, data, "init", "--name", "laptop")
	id2 := mustRun(t, data, "init")
	if id1 != id2 || len(strings.TrimSpace(id1)) != 55 {
		t.Fatalf("init not idempotent: %q %q", id1, id2)
	}
	if got := mustRun(t, data, "id"); got != id1 {
		t.Fatalf("id %q, init said %q", got, id1)
	}
	ws := mustRun(t, data, "workspace", "create", "Sales team", "--template", "contacts")
	if !uuidRE.MatchString(ws) {
		t.Fatalf("workspace create printed %q", ws)
	}
	rec := strings.TrimSpace(mustRun(t, data, "record", "put", "--ws", "sales", "--tool", "contacts", "Name=Ada Lovelace", "Email=ada@example.com", "City=London"))
	mustRun(t, data, "record", "put", "--ws", "Sales team", "--id", rec, "City=Paris")

	var got struct {
		ID     string         `json:"id"`
		Fields map[string]any `json:"fields"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, data, "record", "get", "--ws", "sales", "--id", rec, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != rec || got.Fields["Name"] != "Ada Lovelace" || got.Fields["City"] != "Paris" {
		t.Fatalf("record get: %+v", got)
	}

	// An invalid record names field and rule, exits 1 and writes nothing.
	_, errOut, code := runCLI(t, data, "record", "put", "--ws", "sales", "--tool", "contacts", "Name=Bob", "Email=not-an-address")
	if code != 1 || !strings.Contains(errOut, `"Email"`) || !strings.Contains(errOut, "pattern") {
		t.Fatalf("invalid record: exit %d: %s", code, errOut)
	}
	var list []map[string]any
	json.Unmarshal([]byte(mustRun(t, data, "record", "list", "--ws", "sales", "--json")), &list)
	if len(list) != 1 {
		t.Fatalf("%d records after a refused put", len(list))
	}

	mustRun(t, data, "record", "delete", "--ws", "sales", "--id", rec)
	if out := mustRun(t, data, "record", "list", "--ws", "sales"); !strings.Contains(out, "No records") {
		t.Fatalf("list after delete: %q", out)
	}
}

func TestUsageErrors(t *testing.T) {
	data := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"missing ws", []string{"record", "list"}, 2, "--ws is required"},
		{"bad assignment", []string{"record", "put", "--ws", "x", "--tool", "t", "novalue"}, 2, "FIELD=VALUE"},
		{"unknown workspace", []string{"record", "list", "--ws", "nothing"}, 1, "grove workspace list"},
		{"unknown flag", []string{"workspace", "list", "--bogus"}, 2, "bogus"},
		{"unknown template", []string{"workspace", "create", "X", "--template", "nope"}, 1, "contacts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, data, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", code, c.code, errOut, c.want)
			}
		})
	}
}

func TestVersionMatchesFyneAppToml(t *testing.T) {
	b, err := os.ReadFile("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Version\s*=\s*"([^"]+)"`).FindSubmatch(b)
	if m == nil || string(m[1]) != Version {
		t.Fatalf("FyneApp.toml version %q, cli.Version %q", m, Version)
	}
}

func TestDataDir(t *testing.T) {
	t.Setenv("GROVE_DATA", "/from/env")
	if d, _ := DataDir("/from/flag"); d != "/from/flag" {
		t.Fatalf("flag ignored: %s", d)
	}
	if d, _ := DataDir(""); d != "/from/env" {
		t.Fatalf("env ignored: %s", d)
	}
	t.Setenv("GROVE_DATA", "")
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if d, _ := DataDir(""); d != "/xdg/grove" {
		t.Fatalf("XDG_DATA_HOME ignored: %s", d)
	}
}
