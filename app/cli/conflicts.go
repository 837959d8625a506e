package cli

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/grove-team/grove/app/firstrun"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

func init() {
	register(command{name: "conflicts list", args: "--ws WS", short: "list fields with concurrent versions",
		flags: wsFlag, run: runConflictsList})
	register(command{name: "conflicts resolve", args: "--ws WS --id RECORD --field FIELD (--pick N | --value V)", short: "keep one version of a conflicted field, or a merged value",
		flags: func(fs *flag.FlagSet, c *ctx) {
			idFlags(fs, c)
			c.opts["field"] = fs.String("field", "", "field name")
			c.opts["pick"] = fs.String("pick", "", "version to keep: its number in `conflicts list`, or REPLICA:TICK")
			c.opts["value"] = fs.String("value", "", "a merged value to write instead")
		},
		run: runConflictsResolve})
}

type conflictJSON struct {
	Record   string        `json:"record"`
	Tool     string        `json:"tool"`
	Field    string        `json:"field"`
	Deleted  bool          `json:"record_deleted,omitempty"`
	Versions []versionJSON `json:"versions"` // the winner first
}

func runConflictsList(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		cs, err := s.Conflicts(w.ID)
		if err != nil {
			return err
		}
		var out []conflictJSON
		for _, cf := range cs {
			if cf.Scope != replica.ScopeData {
				continue
			}
			r, err := s.Record(w.ID, cf.Item)
			if err != nil {
				return err
			}
			t, _ := s.FindTool(w.ID, r.Tool.String())
			cj := conflictJSON{Record: r.ID.String(), Deleted: r.Deleted}
			if t != nil {
				cj.Tool = t.Name
			}
			if cf.IsExistence() {
				cj.Field = "(deleted or kept)"
				out = append(out, cj)
				continue
			}
			cj.Field = fieldName(t, cf.Unit)
			for _, f := range r.Fields {
				if f.Field != cf.Unit {
					continue
				}
				for _, v := range append([]replica.FieldVersion{{VersionInfo: f.Winner, Value: f.Value}}, f.Losers...) {
					cj.Versions = append(cj.Versions, versionJSON{Value: v.Value.JSON(), Author: v.Author.String(), Replica: v.Replica.String(), Tick: v.Tick, Time: v.HLC.Time(), Refused: v.Refused})
				}
			}
			out = append(out, cj)
		}
		if out == nil {
			out = []conflictJSON{}
		}
		return c.emit(out, func(o io.Writer) {
			if len(out) == 0 {
				fmt.Fprintln(o, "No conflicts.")
				return
			}
			for _, cj := range out {
				fmt.Fprintf(o, "%s %s  %s", cj.Tool, cj.Record, cj.Field)
				if cj.Deleted {
					fmt.Fprint(o, "  (record deleted)")
				}
				fmt.Fprintln(o)
				for i, v := range cj.Versions {
					mark := " "
					if i == 0 {
						mark = "*"
					}
					fmt.Fprintf(o, "  %s %d. %-30q by %s at %s  (%s:%d)\n", mark, i+1, fmt.Sprint(v.Value), v.Author[:13], v.Time.Local().Format(time.DateTime), v.Replica[:8], v.Tick)
				}
			}
			fmt.Fprintln(o, "* shown everywhere until resolved. Resolve with: grove conflicts resolve --ws WS --id RECORD --field FIELD --pick N")
		})
	})
}

func runConflictsResolve(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	pick, value := c.str("pick"), c.str("value")
	if (pick == "") == (value == "") {
		return usageErr("give exactly one of --pick and --value")
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
		t, err := s.FindTool(w.ID, r.Tool.String())
		if err != nil {
			return err
		}
		f, ok := t.FieldByName(c.str("field"))
		if !ok {
			return fmt.Errorf("tool %q has no field %q (fields: %s)", t.Name, c.str("field"), firstrun.FieldNames(t))
		}
		var v schema.Value
		if value != "" {
			if v, err = schema.ParseValue(f, value); err != nil {
				return err
			}
		} else {
			var versions []replica.FieldVersion
			for _, fs := range r.Fields {
				if fs.Field == f.ID {
					versions = append([]replica.FieldVersion{{VersionInfo: fs.Winner, Value: fs.Value}}, fs.Losers...)
				}
			}
			chosen, err := parsePick(pick, versions)
			if err != nil {
				return err
			}
			v = chosen.Value
		}
		if err := s.ResolveField(w.ID, id, f.ID, v); err != nil {
			return err
		}
		c.changed(w.ID)
		return c.emit(map[string]any{"record": id.String(), "field": f.Name, "value": v.JSON()}, func(o io.Writer) {
			fmt.Fprintf(o, "%s is now %q everywhere this syncs\n", f.Name, v.String())
		})
	})
}
