package cli

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

func init() {
	register(command{name: "refused list", args: "--ws WS", short: "list changes the workspace's server refused (kept, never deleted)",
		flags: wsFlag, run: runRefusedList})
}

// refusedJSON is one refused version, as `grove refused list --json` prints it.
type refusedJSON struct {
	Record string `json:"record"`
	Tool   string `json:"tool,omitempty"`
	// Field is the field's name, "" for the record's existence (a refused
	// create, delete or restore; Existence is then true).
	Field     string    `json:"field,omitempty"`
	Existence bool      `json:"existence,omitempty"`
	Value     any       `json:"value,omitempty"`
	Author    string    `json:"author"`
	Replica   string    `json:"replica"`
	Tick      uint64    `json:"tick"`
	Time      time.Time `json:"time"`
	// Current is the field's value now (the server's, unless a later edit
	// replaced it); Shown says whether the refused version is still what
	// the field shows (never, once the server's version arrived).
	Current any  `json:"current,omitempty"`
	Shown   bool `json:"shown,omitempty"`
	// Reason is the server's; a member who did not push the change learns
	// of the refusal by peer sync, without the reason.
	Reason string `json:"reason,omitempty"`
}

func runRefusedList(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		rs, err := s.RefusedChanges(w.ID)
		if err != nil {
			return err
		}
		tools := map[uuid.UUID]*schema.Tool{}
		out := make([]refusedJSON, 0, len(rs))
		for _, r := range rs {
			rec, err := s.Record(w.ID, r.Record)
			if err != nil {
				return fmt.Errorf("refused change of record %s: %w", r.Record, err)
			}
			t, seen := tools[rec.Tool]
			if !seen {
				t, _ = s.FindTool(w.ID, rec.Tool.String())
				tools[rec.Tool] = t
			}
			rj := refusedJSON{Record: r.Record.String(), Existence: r.Field == uuid.Nil, Author: r.Version.Author.String(),
				Replica: r.Version.Replica.String(), Tick: r.Version.Tick, Time: r.Version.HLC.Time(), Reason: r.Reason}
			if t != nil {
				rj.Tool = t.Name
			}
			if !rj.Existence {
				rj.Field = fieldName(t, r.Field)
				rj.Value = r.Value.JSON()
				for _, f := range rec.Fields {
					if f.Field == r.Field {
						rj.Current = f.Value.JSON()
						rj.Shown = f.Winner.Replica == r.Version.Replica && f.Winner.Tick == r.Version.Tick
					}
				}
			}
			out = append(out, rj)
		}
		slices.SortStableFunc(out, func(a, b refusedJSON) int { return a.Time.Compare(b.Time) })
		return c.emit(out, func(o io.Writer) { printRefused(o, out) })
	})
}

func printRefused(o io.Writer, out []refusedJSON) {
	if len(out) == 0 {
		fmt.Fprintln(o, "No refused changes.")
		return
	}
	for _, r := range out {
		what := fmt.Sprintf("%s = %q", r.Field, fmt.Sprint(r.Value))
		if r.Existence {
			what = "(creating or deleting the record)"
		}
		fmt.Fprintf(o, "%s %s  %s  by %s at %s\n", r.Tool, r.Record, what, r.Author[:13], r.Time.Local().Format(time.DateTime))
		reason := r.Reason
		if reason == "" {
			reason = "refused by the server (reported by another member)"
		}
		fmt.Fprintf(o, "  %s\n", reason)
		if !r.Existence {
			fmt.Fprintf(o, "  now %q\n", fmt.Sprint(r.Current))
		}
	}
	fmt.Fprintln(o, "Refused changes are kept, not deleted. Edit the record to submit a corrected value.")
}
