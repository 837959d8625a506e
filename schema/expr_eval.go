package schema

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// etype is the static type of an expression.
type etype uint8

const (
	tyBool etype = iota + 1
	tyNumber
	tyText
	tyDate
	tyDateTime
	tyMulti
	tyPerson
	tyLookup
)

func (t etype) String() string {
	return [...]string{"", "true/false", "number", "text", "date", "date-time", "multiple choice", "person", "lookup"}[t]
}

// fieldEType maps a field type to the expression type of its values.
func fieldEType(t FieldType) etype {
	switch t {
	case Checkbox:
		return tyBool
	case Number, Currency, Percent, AutoNumber:
		return tyNumber
	case Date:
		return tyDate
	case DateTime, CreatedAt, ModifiedAt:
		return tyDateTime
	case MultiChoice:
		return tyMulti
	case Person, CreatedBy, ModifiedBy:
		return tyPerson
	case Lookup:
		return tyLookup
	}
	return tyText
}

// Predicate is an expression compiled against a tool: field references
// resolved, types checked, a true/false result. It is immutable and safe
// for concurrent use.
type Predicate struct {
	root    *cnode
	usesNow bool
	fields  []uuid.UUID // the fields it reads, in first-use order
}

// cnode is a compiled expression node.
type cnode struct {
	kind exprKind
	op   string
	args []*cnode
	typ  etype
	lit  eval // literals, and string literals converted to dates
	id   uuid.UUID
}

// eval is a value during evaluation; null is an empty field value.
type eval struct {
	null bool
	b    bool
	n    float64 // numbers; dates and date-times as seconds since 1970
	s    string
	v    Value // multi, person, lookup
}

// CompileExpr compiles src (names, {name} or {#id} references) against t
// as a true/false expression. Errors wrap [ErrInvalidDesign] and say what
// does not resolve or fit ("cannot compare date with number").
func (t *Tool) CompileExpr(src string) (*Predicate, error) {
	e, err := ParseExpr(src)
	if err != nil {
		return nil, err
	}
	return t.compile(e)
}

// compile type-checks a parsed expression.
func (t *Tool) compile(e *Expr) (*Predicate, error) {
	c := &compiler{t: t, seen: map[uuid.UUID]bool{}}
	root, err := c.node(e.root)
	if err == nil && root.typ != tyBool {
		err = fmt.Errorf("the expression gives a %s, not true/false", root.typ)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: expression %s: %v", ErrInvalidDesign, quote(e.String()), err)
	}
	return &Predicate{root: root, usesNow: c.usesNow, fields: c.fields}, nil
}

// compiler resolves and type-checks one expression.
type compiler struct {
	t       *Tool
	usesNow bool
	fields  []uuid.UUID
	seen    map[uuid.UUID]bool
}

func (c *compiler) node(n *node) (*cnode, error) {
	switch n.kind {
	case eNum:
		return &cnode{kind: eNum, typ: tyNumber, lit: eval{n: n.num}}, nil
	case eStr:
		return &cnode{kind: eStr, typ: tyText, lit: eval{s: n.str}}, nil
	case eBool:
		return &cnode{kind: eBool, typ: tyBool, lit: eval{b: n.b}}, nil
	case eField:
		return c.field(n)
	case eCall:
		return c.call(n)
	}
	args := make([]*cnode, len(n.args))
	for i, a := range n.args {
		x, err := c.node(a)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	if n.kind == eCmp {
		return c.cmp(n.op, args[0], args[1])
	}
	for _, a := range args {
		if a.typ != tyBool {
			return nil, fmt.Errorf("%s needs true/false operands, got %s", []string{"or", "and", "not"}[n.kind], a.typ)
		}
	}
	return &cnode{kind: n.kind, args: args, typ: tyBool}, nil
}

// field resolves a field reference by ID or by name.
func (c *compiler) field(n *node) (*cnode, error) {
	var f *Field
	var ok bool
	if n.id != uuid.Nil {
		f, ok = c.t.FieldByID(n.id)
		if !ok {
			return nil, fmt.Errorf("field {#%s} is not in tool %q", n.id, c.t.Name)
		}
	} else if f, ok = c.t.FieldByName(n.str); !ok {
		return nil, fmt.Errorf("no field named %q in tool %q", n.str, c.t.Name)
	}
	if !c.seen[f.ID] {
		c.seen[f.ID] = true
		c.fields = append(c.fields, f.ID)
	}
	return &cnode{kind: eField, typ: fieldEType(f.Type), id: f.ID}, nil
}

// call checks a function call.
func (c *compiler) call(n *node) (*cnode, error) {
	out := &cnode{kind: eCall, op: n.op}
	for _, a := range n.args {
		x, err := c.node(a)
		if err != nil {
			return nil, err
		}
		out.args = append(out.args, x)
	}
	bad := func(want string) (*cnode, error) {
		return nil, fmt.Errorf("%s() takes %s", n.op, want)
	}
	a := out.args
	switch n.op {
	case "empty":
		out.typ = tyBool
	case "len":
		if a[0].typ != tyText && a[0].typ != tyMulti {
			return bad("text or multiple choice")
		}
		out.typ = tyNumber
	case "lower", "upper":
		if a[0].typ != tyText {
			return bad("text")
		}
		out.typ = tyText
	case "contains":
		if (a[0].typ != tyText && a[0].typ != tyMulti) || a[1].typ != tyText {
			return bad("text or multiple choice, then text")
		}
		if err := c.checkChoiceLit(a[0], a[1]); err != nil {
			return nil, err
		}
		out.typ = tyBool
	case "date", "datetime":
		return c.timeLiteral(n.op, a[0])
	case "today":
		c.usesNow = true
		out.typ = tyDate
	case "now":
		c.usesNow = true
		out.typ = tyDateTime
	case "days":
		if !isTime(a[0].typ) || !isTime(a[1].typ) {
			return bad("two dates or date-times")
		}
		out.typ = tyNumber
	}
	return out, nil
}

func isTime(t etype) bool { return t == tyDate || t == tyDateTime }

// timeLiteral turns date("…") / datetime("…") into a literal.
func (c *compiler) timeLiteral(fn string, a *cnode) (*cnode, error) {
	if a.kind != eStr {
		return nil, fmt.Errorf("%s() takes a string literal", fn)
	}
	typ := tyDate
	f := &Field{Name: fn, Type: Date}
	if fn == "datetime" {
		typ, f.Type = tyDateTime, DateTime
	}
	v, err := ParseValue(f, a.lit.s)
	if err != nil || v.IsEmpty() {
		return nil, fmt.Errorf("%s(%s): not a valid %s", fn, quoteExprString(a.lit.s), typ)
	}
	return &cnode{kind: eNum, typ: typ, lit: eval{n: timeSeconds(v)}}, nil
}

// timeSeconds returns a date or date-time value as seconds since 1970.
func timeSeconds(v Value) float64 {
	if v.kind == kindDate {
		return float64(int64(v.date) * secondsPerDay)
	}
	return float64(v.sec)
}

// cmp checks a comparison. A string literal compared with a date or
// date-time becomes that type; one compared with a choice field must be
// one of its choices.
func (c *compiler) cmp(op string, l, r *cnode) (*cnode, error) {
	for _, pair := range [][2]*cnode{{l, r}, {r, l}} {
		a, b := pair[0], pair[1]
		if isTime(a.typ) && b.kind == eStr {
			lit, err := c.timeLiteral(map[etype]string{tyDate: "date", tyDateTime: "datetime"}[a.typ], b)
			if err != nil {
				return nil, err
			}
			*b = *lit
		}
		if err := c.checkChoiceLit(a, b); err != nil {
			return nil, err
		}
	}
	ok := l.typ == r.typ || (isTime(l.typ) && isTime(r.typ)) ||
		(op == "=" || op == "!=") && ((l.typ == tyPerson || l.typ == tyLookup) && r.typ == tyText ||
			(r.typ == tyPerson || r.typ == tyLookup) && l.typ == tyText)
	if ok && op != "=" && op != "!=" {
		ok = l.typ == tyNumber || l.typ == tyText || isTime(l.typ)
	}
	if !ok {
		return nil, fmt.Errorf("cannot compare %s %s %s", l.typ, op, r.typ)
	}
	return &cnode{kind: eCmp, op: op, args: []*cnode{l, r}, typ: tyBool}, nil
}

// checkChoiceLit checks a string literal against the choices of a choice
// or multi-choice field it is compared with.
func (c *compiler) checkChoiceLit(fieldNode, lit *cnode) error {
	if fieldNode.kind != eField || lit.kind != eStr {
		return nil
	}
	f, _ := c.t.FieldByID(fieldNode.id)
	if !f.Type.HasChoices() {
		return nil
	}
	for _, ch := range f.Choices {
		if strings.EqualFold(ch, lit.lit.s) {
			return nil
		}
	}
	return fmt.Errorf("%s is not a choice of %q", quoteExprString(lit.lit.s), f.Name)
}

// Fields returns the IDs of the fields the predicate reads.
func (p *Predicate) Fields() []uuid.UUID { return append([]uuid.UUID(nil), p.fields...) }

// UsesNow reports whether the predicate calls today() or now(), so its
// result changes with time.
func (p *Predicate) UsesNow() bool { return p.usesNow }

// Eval evaluates the predicate for one record: get returns a field's value
// (computed fields included, see [Tool.ComputedValue]); now is the time
// today() and now() see. Comparisons with an empty value are false, except
// that two empty values are equal; empty checkboxes are false.
func (p *Predicate) Eval(get func(uuid.UUID) Value, now time.Time) bool {
	return evalNode(p.root, get, now).b
}

// evalNode evaluates a compiled node.
func evalNode(n *cnode, get func(uuid.UUID) Value, now time.Time) eval {
	switch n.kind {
	case eNum, eStr, eBool:
		return n.lit
	case eField:
		return fromValue(get(n.id), n.typ)
	case eOr:
		for _, a := range n.args {
			if evalNode(a, get, now).b {
				return eval{b: true}
			}
		}
		return eval{}
	case eAnd:
		for _, a := range n.args {
			if !evalNode(a, get, now).b {
				return eval{}
			}
		}
		return eval{b: true}
	case eNot:
		return eval{b: !evalNode(n.args[0], get, now).b}
	case eCmp:
		return eval{b: compare(n.op, evalNode(n.args[0], get, now), evalNode(n.args[1], get, now), n.args[0].typ, n.args[1].typ)}
	}
	return evalCall(n, get, now)
}

// fromValue converts a field value.
func fromValue(v Value, t etype) eval {
	if v.IsEmpty() {
		return eval{null: true}
	}
	switch t {
	case tyBool:
		return eval{b: v.b}
	case tyNumber:
		return eval{n: v.num}
	case tyDate, tyDateTime:
		return eval{n: timeSeconds(v)}
	case tyText:
		return eval{s: v.text}
	}
	return eval{v: v, s: v.text}
}

// compare applies a comparison operator.
func compare(op string, a, b eval, ta, tb etype) bool {
	if a.null || b.null {
		switch op {
		case "=":
			return a.null && b.null
		case "!=":
			return a.null != b.null
		}
		return false
	}
	var c int
	switch {
	case ta == tyPerson || tb == tyPerson:
		p, s := a, b
		if tb == tyPerson {
			p, s = b, a
		}
		pp := p.v.Person()
		eq := strings.EqualFold(pp.ID, s.s) || strings.EqualFold(pp.Email, s.s) || strings.EqualFold(pp.Name, s.s)
		return eq == (op == "=")
	case ta == tyBool:
		c = b2i(a.b) - b2i(b.b)
	case ta == tyText:
		c = compareFold(a.s, b.s)
	case ta == tyMulti || ta == tyLookup || tb == tyLookup:
		c = strings.Compare(strings.ToLower(a.s), strings.ToLower(b.s))
	default:
		c = cmpFloat(a.n, b.n)
	}
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// evalCall evaluates a function call.
func evalCall(n *cnode, get func(uuid.UUID) Value, now time.Time) eval {
	arg := func(i int) eval { return evalNode(n.args[i], get, now) }
	switch n.op {
	case "empty":
		a := arg(0)
		return eval{b: a.null || (n.args[0].typ == tyText && a.s == "")}
	case "len":
		a := arg(0)
		switch {
		case a.null:
			return eval{}
		case n.args[0].typ == tyMulti:
			return eval{n: float64(len(a.v.Items()))}
		}
		return eval{n: float64(utf8.RuneCountInString(a.s))}
	case "lower", "upper":
		a := arg(0)
		if a.null {
			return a
		}
		if n.op == "lower" {
			return eval{s: strings.ToLower(a.s)}
		}
		return eval{s: strings.ToUpper(a.s)}
	case "contains":
		a, b := arg(0), arg(1)
		if a.null || b.null {
			return eval{}
		}
		if n.args[0].typ == tyMulti {
			for _, it := range a.v.Items() {
				if strings.EqualFold(it, b.s) {
					return eval{b: true}
				}
			}
			return eval{}
		}
		return eval{b: strings.Contains(strings.ToLower(a.s), strings.ToLower(b.s))}
	case "today":
		y, m, d := now.Date()
		return eval{n: float64(civilDays(y, m, d) * secondsPerDay)}
	case "now":
		return eval{n: float64(now.Unix())}
	case "days":
		a, b := arg(0), arg(1)
		if a.null || b.null {
			return eval{null: true}
		}
		return eval{n: math.Round((b.n-a.n)/secondsPerDay*1e6) / 1e6}
	}
	return eval{null: true}
}

// FormatExpr returns the expression src with field references written by
// name, in canonical form ("End >= Start", "{Due date} < today()"). src
// must parse; references that do not resolve stay as written.
func (t *Tool) FormatExpr(src string) (string, error) {
	e, err := ParseExpr(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	writeNode(&b, e.root, t.nameOf, 0)
	return b.String(), nil
}

// canonicalExpr returns src with every field reference by ID ({#id}), in
// canonical form, so that renaming a field does not change it. Every
// reference must resolve.
func (t *Tool) canonicalExpr(src string) (string, error) {
	e, err := ParseExpr(src)
	if err != nil {
		return "", err
	}
	if err := t.resolveRefs(e.root); err != nil {
		return "", fmt.Errorf("%w: expression %s: %v", ErrInvalidDesign, quote(src), err)
	}
	return e.String(), nil
}

// resolveRefs replaces name references by ID references.
func (t *Tool) resolveRefs(n *node) error {
	if n.kind == eField && n.id == uuid.Nil {
		f, ok := t.FieldByName(n.str)
		if !ok {
			return fmt.Errorf("no field named %q in tool %q", n.str, t.Name)
		}
		n.id, n.str = f.ID, ""
	}
	for _, a := range n.args {
		if err := t.resolveRefs(a); err != nil {
			return err
		}
	}
	return nil
}

// nameOf returns a field's name by ID.
func (t *Tool) nameOf(id uuid.UUID) (string, bool) {
	if f, ok := t.FieldByID(id); ok {
		return f.Name, true
	}
	return "", false
}
