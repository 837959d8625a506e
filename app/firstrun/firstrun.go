// Package firstrun prepares a data folder for its first use: the device
// identity and a demo workspace with sample records, so a person who opens
// Grove for the first time sees something to work with. It is Fyne-free and
// shared by the desktop app and the command line.
package firstrun

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/assets"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

// DemoName is the name of the demo workspace.
const DemoName = "Sample team"

// Template loads a built-in tool design by name.
func Template(name string) (*schema.Tool, error) {
	raw, err := assets.Template(name)
	if err != nil {
		return nil, err
	}
	t, err := schema.ParseToolJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return t, nil
}

// Ensure initializes the device (named deviceName, or after the host when
// empty) and, when the device has no workspace yet, creates the demo
// workspace with sample contacts and tasks. created reports whether the demo was made.
func Ensure(s *replica.Store, deviceName string) (created bool, err error) {
	if _, err := s.Device(); err != nil {
		if _, err := s.Init(deviceName); err != nil {
			return false, fmt.Errorf("first run: %w", err)
		}
	}
	all, err := s.Workspaces()
	if err != nil || len(all) > 0 {
		return false, err
	}
	if _, err := CreateDemo(s); err != nil {
		return false, err
	}
	return true, nil
}

// CreateDemo creates the demo workspace: the Contacts tool with the sample
// contacts and the Tasks tool with the sample tasks, their due dates moved
// to the current month so the calendar has something to show.
func CreateDemo(s *replica.Store) (replica.Workspace, error) {
	return createDemo(s, time.Now())
}

func createDemo(s *replica.Store, now time.Time) (replica.Workspace, error) {
	contacts, err := Template("contacts")
	if err != nil {
		return replica.Workspace{}, err
	}
	tasks, err := Template("tasks")
	if err != nil {
		return replica.Workspace{}, err
	}
	ws, err := s.CreateWorkspace(DemoName, contacts, tasks)
	if err != nil {
		return replica.Workspace{}, fmt.Errorf("create demo workspace: %w", err)
	}
	samples := []struct {
		tool *schema.Tool
		recs []map[string]string
	}{
		{contacts, assets.SampleContacts()},
		{tasks, shiftDates(assets.SampleTasks(), "Due", now)},
	}
	for _, sm := range samples {
		var recs []map[uuid.UUID]schema.Value
		for _, sample := range sm.recs {
			vals, err := ParseFields(sm.tool, sample)
			if err != nil {
				return replica.Workspace{}, fmt.Errorf("sample %s: %w", sm.tool.Name, err)
			}
			recs = append(recs, vals)
		}
		if _, err := s.PutRecords(ws.ID, sm.tool.ID, recs); err != nil {
			return replica.Workspace{}, fmt.Errorf("fill demo workspace: %w", err)
		}
	}
	return ws, nil
}

// shiftDates moves the dates of one field by whole months so the earliest
// falls in now's month; the day of the month is kept where it exists.
func shiftDates(recs []map[string]string, field string, now time.Time) []map[string]string {
	var first time.Time
	for _, r := range recs {
		if d, err := time.Parse(schema.DateLayout, r[field]); err == nil && (first.IsZero() || d.Before(first)) {
			first = d
		}
	}
	if first.IsZero() {
		return recs
	}
	months := (now.Year()-first.Year())*12 + int(now.Month()-first.Month())
	for _, r := range recs {
		if d, err := time.Parse(schema.DateLayout, r[field]); err == nil {
			r[field] = d.AddDate(0, months, 0).Format(schema.DateLayout)
		}
	}
	return recs
}

// ParseFields turns field-name/text pairs into typed values for a tool.
func ParseFields(t *schema.Tool, in map[string]string) (map[uuid.UUID]schema.Value, error) {
	out := make(map[uuid.UUID]schema.Value, len(in))
	for name, text := range in {
		f, ok := t.FieldByName(name)
		if !ok {
			return nil, fmt.Errorf("tool %q has no field %q (fields: %s)", t.Name, name, FieldNames(t))
		}
		v, err := schema.ParseValue(f, text)
		if err != nil {
			return nil, err
		}
		out[f.ID] = v
	}
	return out, nil
}

// FieldNames lists a tool's field names for error messages.
func FieldNames(t *schema.Tool) string {
	s := ""
	for i, f := range t.Fields {
		if i > 0 {
			s += ", "
		}
		s += f.Name
	}
	return s
}
