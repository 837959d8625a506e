package replica

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/grove-team/grove/schema"
	bolt "go.etcd.io/bbolt"
)

// The safe design change. Every design change goes through it: a
// manager's edit (ApplyDesign, PutTool), a peer's design sync (Apply,
// design_peer.go, which also says why a receiver writes no record
// versions) and a server's design update.
//
//  1. Clone. A bbolt read transaction pins production as it is: a
//     copy-on-write snapshot of the workspace's buckets that costs nothing
//     to take, whatever the workspace's size, and that no writer can
//     change under it. Writers are not blocked while it is open.
//  2. Load the current design from the snapshot, apply the new design to
//     it (schema.Diff, schema.CheckWorkspace for lookups across tools).
//  3. Migrate every live record of the changed tools in memory, on top of
//     the snapshot (schema.Migration): conversions, new rules, unique
//     values, tool rules. Views and forms must resolve (schema.Tool.Check).
//  4. If anything fails, nothing is written to production: the rejection
//     (the failing records, capped, and rules) is recorded in the
//     workspace's design-rejections bucket and returned; the replica keeps
//     its design and waits for the next one.
//  5. Otherwise one write transaction commits the new design and every
//     migrated record as new local versions (so they sync like edits). If
//     production moved since the snapshot (another edit or a sync batch
//     committed in between), steps 2-4 run again inside that transaction
//     before anything is written, so the commit never rests on a stale
//     check.

// MaxReportedProblems caps the problems a DesignReport (and a recorded
// rejection) lists; ProblemCount counts them all.
const MaxReportedProblems = 100

// ErrDesignRejected is returned (wrapped) by ApplyDesign when the new
// design does not fit the workspace: records that cannot be migrated, a
// lookup or view that does not resolve. Production is unchanged and the
// rejection is recorded (see DesignRejections).
var ErrDesignRejected = errors.New("design change rejected")

// DesignReport says what a design change did, or why it was refused.
type DesignReport struct {
	Tool uuid.UUID         `json:"tool"`
	Name string            `json:"name"`
	Diff schema.DesignDiff `json:"diff"`
	// Checked is the number of records the migration looked at (0 when
	// the change cannot affect records); Migrated the number rewritten.
	Checked  int `json:"checked"`
	Migrated int `json:"migrated"`
	// MissingRequired counts records left without a value for a newly
	// required field: kept, and asked for the value at their next edit.
	MissingRequired int `json:"missingRequired,omitempty"`
	// Rejected is true when the change was refused; Problems lists why,
	// at most MaxReportedProblems of ProblemCount.
	Rejected     bool            `json:"rejected,omitempty"`
	Problems     []DesignProblem `json:"problems,omitempty"`
	ProblemCount int             `json:"problemCount,omitempty"`
}

// DesignProblem is one reason a design change was refused.
type DesignProblem struct {
	// Record is the record that does not fit, uuid.Nil for a problem of
	// the design itself (a view, a lookup).
	Record uuid.UUID `json:"record,omitempty"`
	// Field and FieldName name the field (or the tool rule) involved.
	Field     uuid.UUID `json:"field,omitempty"`
	FieldName string    `json:"fieldName,omitempty"`
	// Rule is a schema.Rule* name ("convert", "choice", "unique", "rule"...)
	// or "design".
	Rule string `json:"rule"`
	Msg  string `json:"message"`
}

// RuleDesign is the Rule of a DesignProblem about the design itself.
const RuleDesign = "design"

// String returns `record R: field "F": RULE: MSG`.
func (p DesignProblem) String() string {
	var b strings.Builder
	if p.Record != uuid.Nil {
		fmt.Fprintf(&b, "record %s: ", p.Record)
	}
	if p.FieldName != "" {
		fmt.Fprintf(&b, "field %q: ", p.FieldName)
	}
	b.WriteString(p.Rule + ": " + p.Msg)
	return b.String()
}

// problem records one problem, keeping at most MaxReportedProblems.
func (r *DesignReport) problem(p DesignProblem) {
	r.Rejected = true
	r.ProblemCount++
	if len(r.Problems) < MaxReportedProblems {
		r.Problems = append(r.Problems, p)
	}
}

// summary is the first problem and how many more there are.
func (r *DesignReport) summary() string {
	if len(r.Problems) == 0 {
		return "rejected"
	}
	s := r.Problems[0].String()
	if r.ProblemCount > 1 {
		s += fmt.Sprintf(" (and %d more)", r.ProblemCount-1)
	}
	return s
}

// ApplyDesign changes a tool's design (or adds the tool) safely, as the
// package's safe design change describes: only if every live record of the
// tool migrates to the new design and every view, form and lookup
// resolves does it commit the design and the migrated records, in one
// transaction. It returns the report: the diff, how many records were
// checked and migrated, and on refusal the problems, with an error
// wrapping ErrDesignRejected (production unchanged, the rejection
// recorded). A design that fails schema.Tool.Check returns an error
// wrapping schema.ErrInvalidDesign and is not recorded. Only managers may
// change the design (ErrRoleTooLow). Applying the same design twice
// changes nothing the second time.
func (s *Store) ApplyDesign(ws uuid.UUID, t *schema.Tool) (DesignReport, error) {
	reps, err := s.ApplyDesigns(ws, []*schema.Tool{t})
	if len(reps) == 1 {
		return reps[0], err
	}
	return DesignReport{}, err
}

// ApplyDesigns is ApplyDesign for several tools at once (a design import):
// all are checked together (lookups between them resolve) and committed
// in one transaction, or none is.
func (s *Store) ApplyDesigns(ws uuid.UUID, tools []*schema.Tool) ([]DesignReport, error) {
	if err := s.CheckDesignEditable(ws); err != nil { // connected mode: the design is the server's
		return nil, fmt.Errorf("apply design: %w", err)
	}
	return s.applyDesigns(ws, tools, sourceLocal)
}

// Design sources: who asked for a design change. A local edit needs this
// device's member to be a manager; a server's design update (connected
// mode) and a peer's design sync are authorized by their own paths and
// will call applyDesigns with their source.
const (
	sourceLocal  = "local"
	sourceServer = "server"
	sourcePeer   = "peer"
)

// applyDesigns is the safe design change for a design from source.
func (s *Store) applyDesigns(ws uuid.UUID, tools []*schema.Tool, source string) ([]DesignReport, error) {
	next, err := canonicalTools(tools)
	if err != nil {
		return nil, fmt.Errorf("apply design: %w", err)
	}
	var p *designPlan
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		p, err = s.planDesign(tx, ws, next, source)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apply design: %w", err)
	}
	if !p.rejected() {
		err = s.db.Update(func(tx *bolt.Tx) error { return s.commitDesign(tx, ws, next, &p, source) })
		if err != nil && !errors.Is(err, errReplanRejected) {
			return nil, fmt.Errorf("apply design: %w", err)
		}
	}
	if p.rejected() {
		if err := s.recordRejections(ws, p.reports, source); err != nil {
			return p.reports, fmt.Errorf("apply design: %w", err)
		}
		return p.reports, fmt.Errorf("apply design of %q: %w: %s", p.firstRejected().Name, ErrDesignRejected, p.firstRejected().summary())
	}
	return p.reports, nil
}

// errReplanRejected aborts a commit whose re-check inside the write
// transaction refused the design; the transaction rolls back.
var errReplanRejected = errors.New("design rejected on re-check")

// canonicalTools checks and copies the new designs.
func canonicalTools(tools []*schema.Tool) ([]*schema.Tool, error) {
	if len(tools) == 0 {
		return nil, fmt.Errorf("no tools: %w", ErrInvalidInput)
	}
	out := make([]*schema.Tool, len(tools))
	seen := map[uuid.UUID]bool{}
	for i, t := range tools {
		if err := t.Check(); err != nil {
			return nil, err // names the tool, cut short
		}
		if seen[t.ID] {
			return nil, fmt.Errorf("tool %q given twice: %w", t.Name, ErrInvalidInput)
		}
		seen[t.ID] = true
		out[i] = t.Clone()
		if err := out[i].Canonicalize(); err != nil {
			return nil, fmt.Errorf("tool %q: %w", t.Name, err)
		}
	}
	return out, nil
}

// designPlan is the outcome of planning a design change on a snapshot.
type designPlan struct {
	stamp   []byte
	reports []DesignReport
	writes  []recordWrite
	// checkOnly plans without keeping the migrated values: a peer's
	// design is checked here, its records arrive migrated (design_peer.go).
	checkOnly bool
}

// recordWrite is the migrated units of one record.
type recordWrite struct {
	id     uuid.UUID
	writes []unitWrite
}

func (p *designPlan) rejected() bool { return p.firstRejected() != nil }

func (p *designPlan) firstRejected() *DesignReport {
	for i := range p.reports {
		if p.reports[i].Rejected {
			return &p.reports[i]
		}
	}
	return nil
}

// designStamp identifies the state of a workspace's design and data: the
// tick and knowledge of both scopes. Every local edit moves a tick and
// every applied sync batch grows a knowledge, so an equal stamp means
// nothing changed.
func (s *Store) designStamp(tx *bolt.Tx, ws uuid.UUID) ([]byte, error) {
	var stamp []byte
	for _, sc := range Scopes {
		st, err := s.openScope(tx, ws, sc)
		if err != nil {
			return nil, err
		}
		for _, k := range [][]byte{keyTick, keyKnowledg} {
			v := st.meta.Get(k)
			stamp = append(stamp, byte(len(v)>>16), byte(len(v)>>8), byte(len(v)))
			stamp = append(stamp, v...)
		}
	}
	return stamp, nil
}

// planDesign runs steps 2 and 3 of the safe design change inside tx (a read
// transaction: the snapshot, or the commit's write transaction).
func (s *Store) planDesign(tx *bolt.Tx, ws uuid.UUID, next []*schema.Tool, source string) (*designPlan, error) {
	ds, err := s.openScope(tx, ws, ScopeDesign)
	if err != nil {
		return nil, err
	}
	if source == sourceLocal {
		if err := ds.requireLocalRole(RoleManager); err != nil {
			return nil, err
		}
	}
	p := &designPlan{}
	if p.stamp, err = s.designStamp(tx, ws); err != nil {
		return nil, err
	}
	current, err := s.tools(tx, ws)
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]*schema.Tool, len(current))
	for _, t := range current {
		byID[t.ID] = t
	}
	p.reports = make([]DesignReport, len(next))
	for i, t := range next {
		p.reports[i] = DesignReport{Tool: t.ID, Name: t.Name, Diff: schema.Diff(byID[t.ID], t)}
	}
	p.workspaceProblems(current, next)
	for i, t := range next {
		if err := s.planRecords(tx, ws, ds, byID[t.ID], t, &p.reports[i], p); err != nil {
			return nil, err
		}
	}
	if p.rejected() {
		p.writes = nil
	}
	return p, nil
}

// workspaceProblems reports what the new designs break across tools:
// problems of schema.CheckWorkspace that the current designs do not have
// (so a problem left by a concurrent merge elsewhere does not block an
// unrelated change).
func (p *designPlan) workspaceProblems(current, next []*schema.Tool) {
	merged := slices.Clone(current)
	for _, t := range next {
		if i := slices.IndexFunc(merged, func(c *schema.Tool) bool { return c.ID == t.ID }); i >= 0 {
			merged[i] = t
		} else {
			merged = append(merged, t)
		}
	}
	before := problemLines(schema.CheckWorkspace(current))
	for _, line := range problemLines(schema.CheckWorkspace(merged)) {
		if slices.Contains(before, line) {
			continue
		}
		r := &p.reports[0]
		for i := range p.reports {
			if strings.Contains(line, fmt.Sprintf("tool %q", p.reports[i].Name)) {
				r = &p.reports[i]
				break
			}
		}
		r.problem(DesignProblem{Rule: RuleDesign, Msg: strings.TrimPrefix(line, schema.ErrInvalidDesign.Error()+": ")})
	}
}

// problemLines splits a joined error into its lines.
func problemLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// planRecords migrates the live records of one tool in memory.
func (s *Store) planRecords(tx *bolt.Tx, ws uuid.UUID, ds *scopeTx, old, t *schema.Tool, rep *DesignReport, p *designPlan) error {
	mig, err := schema.PlanMigration(old, t)
	if err != nil {
		rep.problem(DesignProblem{Rule: RuleDesign, Msg: err.Error()})
		return nil
	}
	restored, err := formerElements(ds, t)
	if err != nil {
		return err
	}
	mig.Restore(restored...)
	if !mig.NeedsRecords() {
		return nil
	}
	st, err := s.openScope(tx, ws, ScopeData)
	if err != nil {
		return err
	}
	missing := 0
	values := make(map[uuid.UUID]schema.Value, len(t.Fields)) // reused: Record does not keep it
	c := st.ws.Bucket(wsByTool).Cursor()
	for k, _ := c.Seek(t.ID[:]); k != nil && bytes.HasPrefix(k, t.ID[:]); k, _ = c.Next() {
		id := uuid.UUID(k[16:32])
		clear(values)
		if err := st.recordValues(id, values); err != nil {
			return err
		}
		res := mig.Record(id, values)
		rep.Checked++
		if len(res.MissingRequired) > 0 {
			missing++
		}
		for _, re := range res.Problems {
			rep.problem(DesignProblem{Record: id, Field: re.FieldID, FieldName: re.Field, Rule: re.Rule, Msg: re.Msg})
		}
		if len(res.Changes) > 0 && !rep.Rejected {
			if !p.checkOnly {
				p.writes = append(p.writes, recordWrite{id: id, writes: changeWrites(res.Changes)})
			}
			rep.Migrated++
		}
	}
	rep.MissingRequired = missing
	return nil
}

// formerElements returns the IDs of t's fields whose units exist in the
// stored design item though the current design does not have them: fields
// removed earlier and restored by t, whose hidden values must migrate.
func formerElements(ds *scopeTx, t *schema.Tool) ([]uuid.UUID, error) {
	it, err := ds.getItem(t.ID)
	if err != nil || it == nil {
		return nil, err
	}
	var out []uuid.UUID
	for _, f := range t.Fields {
		if u := it.unit(f.ID); u != nil && len(u.versions[0].value) == 0 {
			out = append(out, f.ID)
		}
	}
	return out, nil
}

// recordValues reads a record's winning values by unit (field) ID into
// values.
func (st *scopeTx) recordValues(id uuid.UUID, values map[uuid.UUID]schema.Value) error {
	v := st.items.Get(id[:])
	if v == nil {
		return fmt.Errorf("index names missing record %s: %w", id, ErrCorrupt)
	}
	it, err := decodeItem(id, v, true)
	if err != nil {
		return err
	}
	for _, u := range it.units {
		if u.id == existenceUnit {
			continue
		}
		val, err := decodeValue(u.versions[0].value)
		if err != nil {
			return fmt.Errorf("record %s field %s: %w", id, u.id, err)
		}
		if !val.IsEmpty() {
			values[u.id] = val
		}
	}
	return nil
}

// changeWrites encodes migrated values as unit writes in unit-ID order.
func changeWrites(changes map[uuid.UUID]schema.Value) []unitWrite {
	out := make([]unitWrite, 0, len(changes))
	for id, v := range changes {
		out = append(out, unitWrite{unit: id, value: encodeValue(v)})
	}
	slices.SortFunc(out, func(a, b unitWrite) int { return bytes.Compare(a.unit[:], b.unit[:]) })
	return out
}

// commitDesign is step 5: inside the write transaction, re-plan if
// production moved since the snapshot, then write the designs and the
// migrated records as local edits.
func (s *Store) commitDesign(tx *bolt.Tx, ws uuid.UUID, next []*schema.Tool, pp **designPlan, source string) error {
	stamp, err := s.designStamp(tx, ws)
	if err != nil {
		return err
	}
	if !bytes.Equal(stamp, (*pp).stamp) {
		p, err := s.planDesign(tx, ws, next, source)
		if err != nil {
			return err
		}
		*pp = p
		if p.rejected() {
			return errReplanRejected
		}
	}
	for _, t := range next {
		if err := s.writeTool(tx, ws, t); err != nil {
			return err
		}
	}
	if len((*pp).writes) > 0 {
		st, err := s.openScope(tx, ws, ScopeData)
		if err != nil {
			return err
		}
		st.items.FillPercent = 0.9
		var buf []byte
		for _, rw := range (*pp).writes {
			if _, buf, err = st.localWrite(rw.id, rw.writes, buf); err != nil {
				return fmt.Errorf("migrate record %s: %w", rw.id, err)
			}
		}
		if err := st.flush(); err != nil {
			return err
		}
	}
	return clearRejections(tx, ws, next)
}
