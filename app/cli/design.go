package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/grove-team/grove/assets"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	"github.com/grove-team/grove/schema"
)

func init() {
	register(command{name: "design export", args: "--ws WS [--tool TOOL]", short: "print a workspace's design (or one tool's) as design JSON",
		flags: wsToolFlags, run: runDesignExport})
	register(command{name: "design import", args: "--ws WS FILE", short: "apply a design JSON file safely; prints what changed or why it was refused",
		flags: wsFlag, run: runDesignImport})
	register(command{name: "design rejections", args: "--ws WS", short: "list refused design changes",
		flags: wsFlag, run: runDesignRejections})
	register(command{name: "tool add", args: "--ws WS --template NAME", short: "add a built-in tool: " + strings.Join(assets.TemplateNames(), ", "),
		flags: func(fs *flag.FlagSet, c *ctx) {
			wsFlag(fs, c)
			c.opts["template"] = fs.String("template", "", "built-in template: "+strings.Join(assets.TemplateNames(), ", "))
		},
		run: runToolAdd})
	register(command{name: "record export", args: "--ws WS --tool TOOL --format csv|json", short: "print a tool's records as CSV or JSON",
		flags: func(fs *flag.FlagSet, c *ctx) {
			wsToolFlags(fs, c)
			c.opts["format"] = fs.String("format", "json", "csv or json")
		},
		run: runRecordExport})
	register(command{name: "record import", args: "--ws WS --tool TOOL [--format csv|json] FILE", short: "add records from CSV or JSON, all or none",
		flags: func(fs *flag.FlagSet, c *ctx) {
			wsToolFlags(fs, c)
			c.opts["format"] = fs.String("format", "", "csv or json (default: from the file name)")
		},
		run: runRecordImport})
}

func wsToolFlags(fs *flag.FlagSet, c *ctx) {
	wsFlag(fs, c)
	c.opts["tool"] = fs.String("tool", "", "tool name or ID")
}

// maxImportBytes bounds a record import file.
const maxImportBytes = 256 << 20

// readInput reads a named file (or standard input for "-"), refusing more
// than limit bytes.
func readInput(name string, limit int64) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return data, nil
}

func runDesignExport(c *ctx, args []string) error {
	if len(args) > 0 {
		return usageErr("unexpected argument %q", args[0])
	}
	return c.withStore(func(s *replica.Store) error {
		w, err := c.workspace(s)
		if err != nil {
			return err
		}
		tools, err := s.Tools(w.ID)
		if err != nil {
			return err
		}
		if ref := c.str("tool"); ref != "" {
			t, err := s.FindTool(w.ID, ref)
			if err != nil {
				return err
			}
			tools = []*schema.Tool{t}
		}
		out, err := schema.MarshalDesignJSON(tools)
		if err != nil {
			return err
		}
		_, err = c.stdout.Write(out)
		return err
	})
}

func runDesignImport(c *ctx, args []string) error {
	if len(args) != 1 {
		return usageErr("want one design FILE (- for standard input)")
	}
	data, err := readInput(args[0], schema.MaxDesignJSONBytes)
	if err != nil {
		return err
	}
	return c.withStore(func(s *replica.Store) error {
		w, err := c.workspace(s)
		if err != nil {
			return err
		}
		if err := s.CheckDesignEditable(w.ID); err != nil {
			return err
		}
		current, err := s.Tools(w.ID)
		if err != nil {
			return err
		}
		tools, err := schema.ParseDesignJSON(data, current)
		if err != nil {
			return err
		}
		reps, err := s.ApplyDesigns(w.ID, tools)
		if reps == nil {
			return err
		}
		if err == nil {
			c.changed(w.ID)
		}
		if perr := c.emit(reps, func(o io.Writer) { printReports(o, reps) }); perr != nil {
			return perr
		}
		if err != nil {
			return errors.New("the design was refused; nothing changed (see above)")
		}
		return nil
	})
}

// printReports prints design reports for people.
func printReports(o io.Writer, reps []replica.DesignReport) {
	for _, r := range reps {
		switch {
		case r.Rejected:
			fmt.Fprintf(o, "Tool %q: refused, %d problem(s):\n", r.Name, r.ProblemCount)
			for _, p := range r.Problems {
				fmt.Fprintf(o, "  %s\n", p)
			}
			if r.ProblemCount > len(r.Problems) {
				fmt.Fprintf(o, "  … and %d more\n", r.ProblemCount-len(r.Problems))
			}
			if len(r.Diff.Changes) > 0 {
				fmt.Fprintln(o, "  The design would have made these changes:")
			}
		case r.Diff.Empty():
			fmt.Fprintf(o, "Tool %q: no changes.\n", r.Name)
			continue
		case r.Diff.New:
			fmt.Fprintf(o, "Tool %q: added.\n", r.Name)
		default:
			fmt.Fprintf(o, "Tool %q: %d change(s), %d record(s) checked, %d migrated.\n", r.Name, len(r.Diff.Changes), r.Checked, r.Migrated)
		}
		for _, ch := range r.Diff.Changes {
			fmt.Fprintf(o, "  %s\n", ch)
		}
		if r.MissingRequired > 0 {
			fmt.Fprintf(o, "  %d record(s) lack a value for a required field; they are asked for it at their next edit.\n", r.MissingRequired)
		}
	}
}

func runDesignRejections(c *ctx, args []string) error {
	if len(args) > 0 {
		return usageErr("unexpected argument %q", args[0])
	}
	return c.withStore(func(s *replica.Store) error {
		w, err := c.workspace(s)
		if err != nil {
			return err
		}
		rejs, err := s.DesignRejections(w.ID)
		if err != nil {
			return err
		}
		if rejs == nil {
			rejs = []replica.DesignRejection{}
		}
		return c.emit(rejs, func(o io.Writer) {
			if len(rejs) == 0 {
				fmt.Fprintln(o, "No refused design changes.")
			}
			for _, r := range rejs {
				fmt.Fprintf(o, "Tool %q, %s (%s): %d problem(s)\n", r.Name, r.At.Local().Format("2006-01-02 15:04"), r.Source, r.ProblemCount)
				for _, p := range r.Problems {
					fmt.Fprintf(o, "  %s\n", p)
				}
			}
		})
	})
}

func runToolAdd(c *ctx, args []string) error {
	if len(args) > 0 {
		return usageErr("unexpected argument %q", args[0])
	}
	name := c.str("template")
	if name == "" {
		return usageErr("--template is required (%s)", strings.Join(assets.TemplateNames(), ", "))
	}
	raw, err := assets.Template(name)
	if err != nil {
		return err
	}
	t, err := schema.ParseToolJSON(raw)
	if err != nil {
		return fmt.Errorf("template %s: %w", name, err)
	}
	return c.withStore(func(s *replica.Store) error {
		w, err := c.workspace(s)
		if err != nil {
			return err
		}
		if err := s.CheckDesignEditable(w.ID); err != nil {
			return err
		}
		if _, err := s.FindTool(w.ID, t.ID.String()); err == nil {
			return fmt.Errorf("workspace %q already has the %s tool: %w", w.Name, t.Name, replica.ErrInvalidInput)
		}
		rep, err := s.ApplyDesign(w.ID, t)
		if err != nil {
			return err
		}
		c.changed(w.ID)
		return c.emit(rep, func(o io.Writer) { fmt.Fprintf(o, "%s  %s\n", t.ID, t.Name) })
	})
}

// toolRecords reads a tool's live records with their computed values.
func toolRecords(s *replica.Store, ws uuid.UUID, t *schema.Tool) ([]map[uuid.UUID]schema.Value, error) {
	numbers, err := s.RecordNumbers(ws, t.ID)
	if err != nil {
		return nil, err
	}
	members, err := s.Members(ws)
	if err != nil {
		return nil, err
	}
	names := make(map[identity.DeviceID]string, len(members))
	for _, m := range members {
		names[m.Device] = m.Name
	}
	var out []map[uuid.UUID]schema.Value
	err = s.Records(ws, t.ID, func(r *replica.Record) error {
		vals := make(map[uuid.UUID]schema.Value, len(r.Fields))
		for _, f := range r.Fields {
			vals[f.Field] = f.Value
		}
		out = append(out, t.WithComputed(vals, r.Meta(numbers[r.ID], names)))
		return nil
	})
	return out, err
}

func runRecordExport(c *ctx, args []string) error {
	if len(args) > 0 {
		return usageErr("unexpected argument %q", args[0])
	}
	format := strings.ToLower(c.str("format"))
	if format != "csv" && format != "json" {
		return usageErr("--format must be csv or json")
	}
	if c.str("tool") == "" {
		return usageErr("--tool is required")
	}
	return c.withStore(func(s *replica.Store) error {
		w, err := c.workspace(s)
		if err != nil {
			return err
		}
		t, err := s.FindTool(w.ID, c.str("tool"))
		if err != nil {
			return err
		}
		recs, err := toolRecords(s, w.ID, t)
		if err != nil {
			return err
		}
		if format == "csv" {
			return writeCSV(c.stdout, t, recs)
		}
		return writeJSON(c.stdout, t, recs)
	})
}

// writeCSV writes a header of field names and one row per record, values
// in the field's text form (Field.Format), which record import parses back.
func writeCSV(o io.Writer, t *schema.Tool, recs []map[uuid.UUID]schema.Value) error {
	w := csv.NewWriter(o)
	header := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		header[i] = f.Name
	}
	if err := w.Write(header); err != nil {
		return err
	}
	row := make([]string, len(t.Fields))
	for _, r := range recs {
		for i := range t.Fields {
			f := &t.Fields[i]
			row[i] = f.Format(r[f.ID])
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// writeJSON writes an array with one object per record, keyed by field
// name, values in their JSON form (schema.Value.JSON); empty fields are
// left out.
func writeJSON(o io.Writer, t *schema.Tool, recs []map[uuid.UUID]schema.Value) error {
	out := make([]map[string]any, 0, len(recs))
	for _, r := range recs {
		obj := make(map[string]any, len(r))
		for _, f := range t.Fields {
			if v := r[f.ID]; !v.IsEmpty() {
				obj[f.Name] = v.JSON()
			}
		}
		out = append(out, obj)
	}
	enc := json.NewEncoder(o)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func runRecordImport(c *ctx, args []string) error {
	if len(args) != 1 {
		return usageErr("want one FILE (- for standard input)")
	}
	format := strings.ToLower(c.str("format"))
	if format == "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(args[0])), ".")
	}
	if format != "csv" && format != "json" {
		return usageErr("--format must be csv or json")
	}
	if c.str("tool") == "" {
		return usageErr("--tool is required")
	}
	data, err := readInput(args[0], maxImportBytes)
	if err != nil {
		return err
	}
	return c.withStore(func(s *replica.Store) error {
		w, err := c.workspace(s)
		if err != nil {
			return err
		}
		t, err := s.FindTool(w.ID, c.str("tool"))
		if err != nil {
			return err
		}
		members, err := s.Members(w.ID)
		if err != nil {
			return err
		}
		imp := &importer{t: t, members: members}
		if format == "csv" {
			err = imp.csv(data)
		} else {
			err = imp.json(data)
		}
		if err != nil {
			return err
		}
		if err := imp.validate(); err != nil {
			return err
		}
		ids, err := s.PutRecords(w.ID, t.ID, imp.records)
		if err != nil {
			return fmt.Errorf("nothing imported: %w", err)
		}
		c.changed(w.ID)
		strIDs := make([]string, len(ids))
		for i, id := range ids {
			strIDs[i] = id.String()
		}
		return c.emit(map[string]any{"imported": len(ids), "ids": strIDs},
			func(o io.Writer) { fmt.Fprintf(o, "Imported %d record(s) into %s.\n", len(ids), t.Name) })
	})
}

// importer turns rows into records of one tool and collects every problem
// before anything is written.
type importer struct {
	t        *schema.Tool
	members  []replica.Member
	records  []map[uuid.UUID]schema.Value
	problems []rowProblem
	count    int
}

// rowProblem is one problem of one row.
type rowProblem struct {
	row int
	msg string
}

// maxListedProblems caps the problems an import lists.
const maxListedProblems = 20

func (imp *importer) fail(row int, format string, args ...any) {
	imp.count++
	imp.problems = append(imp.problems, rowProblem{row, fmt.Sprintf(format, args...)})
}

// column resolves a column name: a stored field (ok), a computed field
// (skip: its values are not imported) or an error.
func (imp *importer) column(name string) (f *schema.Field, skip bool, err error) {
	f, ok := imp.t.FieldByName(strings.TrimSpace(name))
	if !ok {
		return nil, false, fmt.Errorf("column %q is not a field of %s (fields: %s)", name, imp.t.Name, fieldList(imp.t))
	}
	return f, f.Type.Computed(), nil
}

func fieldList(t *schema.Tool) string {
	names := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// csv reads a header row of field names and data rows of text values.
func (imp *importer) csv(data []byte) error {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	rows, err := r.ReadAll()
	if err != nil {
		return fmt.Errorf("read CSV: %w", err)
	}
	if len(rows) == 0 {
		return errors.New("the CSV file is empty; the first row names the fields")
	}
	cols := make([]*schema.Field, len(rows[0]))
	for i, name := range rows[0] {
		f, skip, err := imp.column(name)
		if err != nil {
			return fmt.Errorf("header: %w", err)
		}
		if !skip {
			cols[i] = f
		}
	}
	for n, row := range rows[1:] {
		rec := make(map[uuid.UUID]schema.Value, len(row))
		for i, text := range row {
			if f := cols[i]; f != nil {
				imp.value(n+1, rec, f, text)
			}
		}
		imp.records = append(imp.records, rec)
	}
	return nil
}

// json reads an array of objects keyed by field name.
func (imp *importer) json(data []byte) error {
	var rows []map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		return fmt.Errorf("read JSON: want an array of objects keyed by field name: %w", err)
	}
	for n, row := range rows {
		rec := make(map[uuid.UUID]schema.Value, len(row))
		for name, x := range row {
			f, skip, err := imp.column(name)
			if err != nil {
				imp.fail(n+1, "%v", err)
				continue
			}
			if skip {
				continue
			}
			if s, ok := x.(string); ok {
				imp.value(n+1, rec, f, s)
				continue
			}
			v, err := schema.ValueFromJSON(f, x)
			if err != nil {
				imp.fail(n+1, "%v", err)
				continue
			}
			if !v.IsEmpty() {
				rec[f.ID] = v
			}
		}
		imp.records = append(imp.records, rec)
	}
	return nil
}

// value parses one text value; a person may be given by member name.
func (imp *importer) value(row int, rec map[uuid.UUID]schema.Value, f *schema.Field, text string) {
	if f.Type == schema.Person {
		for _, m := range imp.members {
			if strings.EqualFold(m.Name, strings.TrimSpace(text)) {
				rec[f.ID] = schema.PersonValue(schema.PersonParts{ID: schema.MemberRef(m.Device.String()), Name: m.Name})
				return
			}
		}
	}
	v, err := schema.ParseValue(f, text)
	if err != nil {
		imp.fail(row, "%v", err)
		return
	}
	if !v.IsEmpty() { // an empty cell gives no value: the field's default applies
		rec[f.ID] = v
	}
}

// validate checks every record (defaults applied) against the tool and
// fails with the problems found, naming row, field and rule.
func (imp *importer) validate() error {
	valid, err := imp.t.NewValidator()
	if err != nil {
		return err
	}
	for i, rec := range imp.records {
		if err := valid.Record(imp.t.WithDefaults(rec)); err != nil {
			var ve *schema.ValidationError
			if errors.As(err, &ve) {
				for _, re := range ve.Errors {
					imp.fail(i+1, "%v", re)
				}
				continue
			}
			return err
		}
	}
	if imp.count == 0 {
		return nil
	}
	slices.SortStableFunc(imp.problems, func(a, b rowProblem) int { return a.row - b.row })
	lines := make([]string, 0, maxListedProblems)
	for _, p := range imp.problems[:min(len(imp.problems), maxListedProblems)] {
		lines = append(lines, fmt.Sprintf("row %d: %s", p.row, p.msg))
	}
	msg := strings.Join(lines, "\n  ")
	if imp.count > len(lines) {
		msg += "\n  … and " + strconv.Itoa(imp.count-len(lines)) + " more"
	}
	return fmt.Errorf("nothing imported, %d problem(s):\n  %s: %w", imp.count, msg, schema.ErrInvalidValue)
}
