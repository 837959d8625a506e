package assets

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestSampleTasks(t *testing.T) {
	data, err := Template("tasks")
	if err != nil {
		t.Fatal(err)
	}
	var doc templateDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Name != "Tasks" || doc.ID == "" {
		t.Fatalf("tasks template = %+v", doc)
	}
	fields := map[string][]string{}
	for _, f := range doc.Fields {
		if f.ID == "" {
			t.Errorf("field %q has no fixed id", f.Name)
		}
		fields[f.Name] = f.Choices
	}
	tasks := SampleTasks()
	if len(tasks) < 10 {
		t.Fatalf("%d sample tasks, want at least 10", len(tasks))
	}
	for i, task := range tasks {
		if task["Title"] == "" {
			t.Errorf("task %d: no title", i)
		}
		for k := range task {
			if _, ok := fields[k]; !ok {
				t.Errorf("task %q: key %q is not a template field", task["Title"], k)
			}
		}
		for _, choice := range []string{"Status", "Priority"} {
			if v := task[choice]; v != "" && !slices.Contains(fields[choice], v) {
				t.Errorf("task %q: %s %q is not a template choice", task["Title"], choice, v)
			}
		}
	}
	tasks[0]["Title"] = "changed"
	if SampleTasks()[0]["Title"] == "changed" {
		t.Error("SampleTasks returns shared maps")
	}
}
