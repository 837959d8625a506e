package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/firstrun"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

func init() {
	register(command{name: "record put", args: "--ws WS --tool TOOL [--id ID] FIELD=VALUE...", short: "create or update a record; prints its ID",
		flags: func(fs *flag.FlagSet, c *ctx) {
			wsFlag(fs, c)
			c.opts["tool"] = fs.String("tool", "", "tool name or ID (needed to create)")
			c.opts["id"] = fs.String("id", "", "record to update (default: create a new one)")
		},
		run: runRecordPut})
	register(command{name: "record get", args: "--ws WS --id ID", short: "show one record with its versions and conflicts",
		flags: idFlags, run: runRecordGet})
	register(command{name: "record list", args: "--ws WS [--tool TOOL]", short: "list records",
		flags: func(fs *flag.FlagSet, c *ctx) {
			wsFlag(fs, c)
			c.opts["tool"] = fs.String("tool", "", "only this tool's records")
		},
		run: runRecordList})
	register(command{name: "record delete", args: "--ws WS --id ID", short: "delete a record (it can be restored)",
		flags: idFlags, run: runRecordDelete})
}

func idFlags(fs *flag.FlagSet, c *ctx) {
	wsFlag(fs, c)
	c.opts["id"] = fs.String("id", "", "record ID")
}

func (c *ctx) recordID() (uuid.UUID, error) {
	ref := c.str("id")
	if ref == "" {
		return uuid.Nil, usageErr("--id is required")
	}
	id, err := uuid.Parse(ref)
	if err != nil {
		return uuid.Nil, fmt.Errorf("record ID %q: %w", ref, err)
	}
	return id, nil
}

// parseAssignments splits FIELD=VALUE arguments.
func parseAssignments(args []string) (map[string]string, error) {
	out := make(map[string]string, len(args))
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, usageErr("%q is not FIELD=VALUE", a)
		}
		if _, dup := out[name]; dup {
			return nil, usageErr("field %q given twice", name)
		}
		out[strings.TrimSpace(name)] = value
	}
	return out, nil
}

func runRecordPut(c *ctx, args []string) error {
	assign, err := parseAssignments(args)
	if err != nil {
		return err
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		id := uuid.Nil
		if c.str("id") != "" {
			if id, err = c.recordID(); err != nil {
				return err
			}
		}
		tool, err := c.toolFor(s, w, id)
		if err != nil {
			return err
		}
		vals, err := firstrun.ParseFields(tool, assign)
		if err != nil {
			return err
		}
		id, err = s.PutRecord(w.ID, tool.ID, id, vals)
		if err != nil {
			return err
		}
		c.changed(w.ID)
		return c.emit(map[string]string{"id": id.String()}, func(o io.Writer) { fmt.Fprintln(o, id) })
	})
}

// toolFor resolves --tool, or the tool of an existing record.
func (c *ctx) toolFor(s *replica.Store, w replica.Workspace, id uuid.UUID) (*schema.Tool, error) {
	if ref := c.str("tool"); ref != "" {
		return s.FindTool(w.ID, ref)
	}
	if id == uuid.Nil {
		return nil, usageErr("--tool is required to create a record")
	}
	r, err := s.Record(w.ID, id)
	if err != nil {
		return nil, err
	}
	return s.FindTool(w.ID, r.Tool.String())
}

type versionJSON struct {
	Value   any       `json:"value"`
	Author  string    `json:"author"`
	Replica string    `json:"replica"`
	Tick    uint64    `json:"tick"`
	Time    time.Time `json:"time"`
	Refused bool      `json:"refused,omitempty"`
}

type recordJSON struct {
	ID         string                   `json:"id"`
	Tool       string                   `json:"tool"`
	Deleted    bool                     `json:"deleted,omitempty"`
	Created    time.Time                `json:"created"`
	CreatedBy  string                   `json:"created_by"`
	Modified   time.Time                `json:"modified"`
	ModifiedBy string                   `json:"modified_by"`
	Fields     map[string]any           `json:"fields"`
	Conflicts  map[string][]versionJSON `json:"conflicts,omitempty"`
}

// fieldName names a field for output; fields since removed from the design
// show by ID.
func fieldName(t *schema.Tool, id uuid.UUID) string {
	if t != nil {
		if f, ok := t.FieldByID(id); ok {
			return f.Name
		}
	}
	return id.String()
}

func toRecordJSON(r *replica.Record, t *schema.Tool) recordJSON {
	rj := recordJSON{ID: r.ID.String(), Tool: r.Tool.String(), Deleted: r.Deleted,
		Created: r.Created.Time(), CreatedBy: r.CreatedBy.String(), Modified: r.Modified.Time(), ModifiedBy: r.ModifiedBy.String(),
		Fields: map[string]any{}}
	if t != nil {
		rj.Tool = t.Name
	}
	for _, f := range r.Fields {
		name := fieldName(t, f.Field)
		if !f.Value.IsEmpty() {
			rj.Fields[name] = f.Value.JSON()
		}
		if len(f.Losers) == 0 {
			continue
		}
		if rj.Conflicts == nil {
			rj.Conflicts = map[string][]versionJSON{}
		}
		all := append([]replica.FieldVersion{{VersionInfo: f.Winner, Value: f.Value}}, f.Losers...)
		for _, v := range all {
			rj.Conflicts[name] = append(rj.Conflicts[name], versionJSON{Value: v.Value.JSON(), Author: v.Author.String(),
				Replica: v.Replica.String(), Tick: v.Tick, Time: v.HLC.Time(), Refused: v.Refused})
		}
	}
	return rj
}

func runRecordGet(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		id, err := c.recordID()
		if err != nil {
			return err
		}
		r, err := s.Record(w.ID, id)
		if err != nil {
			return err
		}
		t, _ := s.FindTool(w.ID, r.Tool.String())
		return c.emit(toRecordJSON(r, t), func(o io.Writer) { printRecord(o, r, t) })
	})
}

func printRecord(o io.Writer, r *replica.Record, t *schema.Tool) {
	tw := tabwriter.NewWriter(o, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\t%s\n", r.ID)
	if t != nil {
		fmt.Fprintf(tw, "Tool\t%s\n", t.Name)
	}
	if r.Deleted {
		fmt.Fprintf(tw, "Deleted\tyes (restore possible)\n")
	}
	fmt.Fprintf(tw, "Created\t%s by %s\n", r.Created.Time().Local().Format(time.DateTime), r.CreatedBy.Short())
	fmt.Fprintf(tw, "Modified\t%s by %s\n", r.Modified.Time().Local().Format(time.DateTime), r.ModifiedBy.Short())
	for _, f := range r.Fields {
		fmt.Fprintf(tw, "%s\t%s\n", fieldName(t, f.Field), oneLine(f.Value.String()))
		for _, l := range f.Losers {
			fmt.Fprintf(tw, "\t  conflict: %q by %s at %s\n", l.Value.String(), l.Author.Short(), l.HLC.Time().Local().Format(time.DateTime))
		}
	}
	tw.Flush()
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ⏎ ") }

func runRecordList(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		tools, err := s.Tools(w.ID)
		if err != nil {
			return err
		}
		byID := map[uuid.UUID]*schema.Tool{}
		for _, t := range tools {
			byID[t.ID] = t
		}
		filter := uuid.Nil
		if ref := c.str("tool"); ref != "" {
			t, err := s.FindTool(w.ID, ref)
			if err != nil {
				return err
			}
			filter = t.ID
		}
		var recs []*replica.Record
		if err := s.Records(w.ID, filter, func(r *replica.Record) error { recs = append(recs, r); return nil }); err != nil {
			return err
		}
		out := make([]recordJSON, 0, len(recs))
		for _, r := range recs {
			out = append(out, toRecordJSON(r, byID[r.Tool]))
		}
		return c.emit(out, func(o io.Writer) { printRecordTable(o, recs, byID) })
	})
}

func printRecordTable(o io.Writer, recs []*replica.Record, tools map[uuid.UUID]*schema.Tool) {
	if len(recs) == 0 {
		fmt.Fprintln(o, "No records.")
		return
	}
	tw := tabwriter.NewWriter(o, 0, 4, 2, ' ', 0)
	var cur uuid.UUID
	for _, r := range recs {
		t := tools[r.Tool]
		if r.Tool != cur {
			cur = r.Tool
			header := []string{"ID"}
			if t != nil {
				for _, f := range t.Fields {
					header = append(header, strings.ToUpper(f.Name))
				}
			}
			fmt.Fprintln(tw, strings.Join(header, "\t"))
		}
		row := []string{r.ID.String()}
		if t != nil {
			for _, f := range t.Fields {
				v := oneLine(r.Value(f.ID).String())
				if len([]rune(v)) > 40 {
					v = string([]rune(v)[:39]) + "…"
				}
				row = append(row, v)
			}
		}
		if r.Conflicts() > 0 {
			row[0] += " !"
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}

func runRecordDelete(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		id, err := c.recordID()
		if err != nil {
			return err
		}
		if err := s.DeleteRecord(w.ID, id); err != nil {
			return err
		}
		c.changed(w.ID)
		return c.emit(map[string]string{"deleted": id.String()}, func(o io.Writer) { fmt.Fprintf(o, "deleted %s\n", id) })
	})
}
