// Package assets embeds Grove's static resources: the application icon, the
// built-in tool templates (design JSON, see package schema: Contacts,
// Tasks, Issues, Events, Inventory, each with fields, views and forms) and
// the sample contacts and tasks used to fill the demo workspace on first
// run. It has no dependency on the UI toolkit or on package schema.
package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
)

// Icon is the application icon: a 512×512 PNG with transparent corners.
// It is shared; callers must not modify it.
//
//go:embed icon.png
var Icon []byte

//go:embed templates/*.json
var templateFS embed.FS

//go:embed sample_contacts.json
var sampleContactsJSON []byte

//go:embed sample_tasks.json
var sampleTasksJSON []byte

// templateFiles maps lower-case template names to file paths in templateFS.
var templateFiles = sync.OnceValue(func() map[string]string {
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(fmt.Sprintf("assets: embedded templates unreadable: %v", err)) // build invariant
	}
	files := make(map[string]string, len(entries))
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		files[strings.ToLower(name)] = path.Join("templates", e.Name())
	}
	return files
})

// TemplateNames returns the names of the built-in templates (lower case,
// e.g. "contacts"), sorted.
func TemplateNames() []string {
	return slices.Sorted(maps.Keys(templateFiles()))
}

// Template returns a fresh copy of the design JSON of the named built-in
// template; name is matched case-insensitively. The templates carry fixed
// ids, so every workspace created from one gets the same tool and field
// ids. An unknown name gives an error listing the known names.
func Template(name string) ([]byte, error) {
	file, ok := templateFiles()[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("template %q: unknown (known: %s)", name, strings.Join(TemplateNames(), ", "))
	}
	data, err := templateFS.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("template %q: %w", name, err)
	}
	return data, nil
}

// sampleContacts parses the embedded sample contacts once.
var sampleContacts = sync.OnceValue(func() []map[string]string {
	var contacts []map[string]string
	if err := json.Unmarshal(sampleContactsJSON, &contacts); err != nil {
		panic(fmt.Sprintf("assets: embedded sample_contacts.json is malformed: %v", err)) // build invariant
	}
	return contacts
})

// SampleContacts returns the demo contacts for the "contacts" template, a
// fresh copy on every call. Each map is keyed by field name (as in the
// template, e.g. "Email") and holds the command-line text form of the
// value; absent keys are empty fields. All of them pass the template's
// validation.
func SampleContacts() []map[string]string {
	src := sampleContacts()
	out := make([]map[string]string, len(src))
	for i, c := range src {
		out[i] = maps.Clone(c)
	}
	return out
}

// sampleTasks parses the embedded sample tasks once.
var sampleTasks = sync.OnceValue(func() []map[string]string {
	var tasks []map[string]string
	if err := json.Unmarshal(sampleTasksJSON, &tasks); err != nil {
		panic(fmt.Sprintf("assets: embedded sample_tasks.json is malformed: %v", err)) // build invariant
	}
	return tasks
})

// SampleTasks returns the demo tasks for the "tasks" template, a fresh copy
// on every call, in the same form as SampleContacts. Their due dates all
// fall in March 2025; the demo moves them to the current month.
func SampleTasks() []map[string]string {
	src := sampleTasks()
	out := make([]map[string]string, len(src))
	for i, c := range src {
		out[i] = maps.Clone(c)
	}
	return out
}

// Version is Grove's version, shown by `grove --version` and the About
// dialog; a test keeps it equal to FyneApp.toml's.
const Version = "0.1.0"
