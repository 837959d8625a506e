package schema

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits of expressions (tool rules and view filters). The parser refuses
// larger input before doing any work that grows with it.
const (
	// MaxExprBytes is the longest expression source.
	MaxExprBytes = 2000
	// MaxExprDepth bounds the nesting of parentheses, not, and calls.
	MaxExprDepth = 32
	// MaxExprNodes bounds the size of a parsed expression.
	MaxExprNodes = 500
)

// exprKind is the kind of an expression node.
type exprKind uint8

const (
	eOr exprKind = iota
	eAnd
	eNot
	eCmp
	eNum
	eStr
	eBool
	eField
	eCall
)

// node is one node of a parsed expression.
type node struct {
	kind exprKind
	op   string    // eCmp: the operator; eCall: the function name, lower case
	args []*node   // eOr, eAnd (2 or more), eNot (1), eCmp (2), eCall
	num  float64   // eNum
	str  string    // eStr: the text; eField: the name when id is nil
	b    bool      // eBool
	id   uuid.UUID // eField: the field ID once known
}

// functions lists the built-in functions and their number of arguments.
var functions = map[string]int{
	"empty": 1, "len": 1, "lower": 1, "upper": 1, "contains": 2,
	"date": 1, "datetime": 1, "today": 0, "now": 0, "days": 2,
}

// keywords cannot be bare field references; put such names in braces.
var keywords = map[string]bool{"and": true, "or": true, "not": true, "true": true, "false": true}

// Expr is a parsed expression of the rule language (see the package
// documentation, "Expressions"). It is syntax only: field references are
// resolved against a tool by [Tool.CompileExpr].
type Expr struct {
	root *node
}

// ParseExpr parses an expression. It refuses sources longer than
// MaxExprBytes, nesting deeper than MaxExprDepth and more than
// MaxExprNodes nodes; errors wrap [ErrInvalidDesign] and give the byte
// offset of the problem.
func ParseExpr(src string) (*Expr, error) {
	root, err := parseExpr(src)
	if err != nil {
		return nil, fmt.Errorf("%w: expression: %v", ErrInvalidDesign, err)
	}
	return &Expr{root: root}, nil
}

// String returns the expression in canonical form: single spaces, lower
// case keywords and functions, minimal parentheses, field references as
// written (names, or {#ID} for references by ID). Parsing it gives an
// equal expression.
func (e *Expr) String() string {
	var b strings.Builder
	writeNode(&b, e.root, nil, 0)
	return b.String()
}

// parseExpr runs the parser over src.
func parseExpr(src string) (*node, error) {
	if len(src) > MaxExprBytes {
		return nil, fmt.Errorf("longer than %d bytes", MaxExprBytes)
	}
	if !utf8.ValidString(src) {
		return nil, errors.New("not valid UTF-8")
	}
	p := &parser{lex: lexer{src: src}}
	if err := p.next(); err != nil {
		return nil, err
	}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errorf("unexpected %s", p.tok)
	}
	return n, nil
}

// parser is a recursive-descent parser with one token of look-ahead.
type parser struct {
	lex   lexer
	tok   token
	nodes int
}

func (p *parser) next() error {
	t, err := p.lex.next()
	p.tok = t
	return err
}

func (p *parser) errorf(format string, args ...any) error {
	return p.lex.errorf(p.tok.pos, format, args...)
}

// newNode counts nodes against MaxExprNodes.
func (p *parser) newNode(n node) (*node, error) {
	p.nodes++
	if p.nodes > MaxExprNodes {
		return nil, fmt.Errorf("more than %d terms", MaxExprNodes)
	}
	return &n, nil
}

// isKeyword reports whether the current token is the keyword kw.
func (p *parser) isKeyword(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

// or parses and { "or" and }.
func (p *parser) or(depth int) (*node, error) {
	return p.chain(depth, "or", eOr, p.and)
}

// and parses not { "and" not }.
func (p *parser) and(depth int) (*node, error) {
	return p.chain(depth, "and", eAnd, p.not)
}

// chain parses sub { kw sub } into one flat node of kind k.
func (p *parser) chain(depth int, kw string, k exprKind, sub func(int) (*node, error)) (*node, error) {
	first, err := sub(depth)
	if err != nil || !p.isKeyword(kw) {
		return first, err
	}
	n, err := p.newNode(node{kind: k})
	if err != nil {
		return nil, err
	}
	n.args = appendFlat(n.args, first, k)
	for p.isKeyword(kw) {
		if err := p.next(); err != nil {
			return nil, err
		}
		x, err := sub(depth)
		if err != nil {
			return nil, err
		}
		n.args = appendFlat(n.args, x, k)
	}
	return n, nil
}

// appendFlat appends x to args, splicing in x's operands when x is a
// parenthesised chain of the same kind, so "(a or b) or c" and
// "a or b or c" parse alike.
func appendFlat(args []*node, x *node, k exprKind) []*node {
	if x.kind == k {
		return append(args, x.args...)
	}
	return append(args, x)
}

// not parses "not" not | cmp.
func (p *parser) not(depth int) (*node, error) {
	if !p.isKeyword("not") {
		return p.cmp(depth)
	}
	if depth >= MaxExprDepth {
		return nil, p.errorf("nested more than %d deep", MaxExprDepth)
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	x, err := p.not(depth + 1)
	if err != nil {
		return nil, err
	}
	return p.newNode(node{kind: eNot, args: []*node{x}})
}

// cmp parses operand [ op operand ].
func (p *parser) cmp(depth int) (*node, error) {
	left, err := p.operand(depth)
	if err != nil || p.tok.kind != tOp {
		return left, err
	}
	op := p.tok.text
	if err := p.next(); err != nil {
		return nil, err
	}
	right, err := p.operand(depth)
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tOp {
		return nil, p.errorf("comparisons do not chain; use and")
	}
	return p.newNode(node{kind: eCmp, op: op, args: []*node{left, right}})
}

// operand parses a literal, a field reference, a call or a parenthesised
// expression.
func (p *parser) operand(depth int) (*node, error) {
	if depth >= MaxExprDepth {
		return nil, p.errorf("nested more than %d deep", MaxExprDepth)
	}
	t := p.tok
	switch {
	case t.kind == tPunct && t.text == "(":
		if err := p.next(); err != nil {
			return nil, err
		}
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tPunct || p.tok.text != ")" {
			return nil, p.errorf("expected ), found %s", p.tok)
		}
		return x, p.next()
	case t.kind == tPunct && t.text == "-":
		if err := p.next(); err != nil {
			return nil, err
		}
		if p.tok.kind != tNum {
			return nil, p.errorf("'-' must be followed by a number")
		}
		return p.literal(node{kind: eNum, num: normZero(-p.tok.num)})
	case t.kind == tNum:
		return p.literal(node{kind: eNum, num: t.num})
	case t.kind == tStr:
		return p.literal(node{kind: eStr, str: t.text})
	case t.kind == tRef:
		return p.literal(node{kind: eField, str: t.text, id: t.id})
	case t.kind == tIdent:
		return p.ident(depth)
	}
	return nil, p.errorf("expected a value, found %s", t)
}

// normZero maps -0 to 0.
func normZero(f float64) float64 {
	if f == 0 {
		return 0
	}
	return f
}

// literal makes a leaf node and moves past its token.
func (p *parser) literal(n node) (*node, error) {
	x, err := p.newNode(n)
	if err != nil {
		return nil, err
	}
	return x, p.next()
}

// ident parses true, false, a call or a bare field reference.
func (p *parser) ident(depth int) (*node, error) {
	t := p.tok
	lower := strings.ToLower(t.text)
	switch {
	case lower == "true" || lower == "false":
		return p.literal(node{kind: eBool, b: lower == "true"})
	case keywords[lower]:
		return nil, p.errorf("unexpected %q; a field with that name must be written {%s}", t.text, t.text)
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind != tPunct || p.tok.text != "(" {
		return p.newNode(node{kind: eField, str: t.text})
	}
	arity, ok := functions[lower]
	if !ok {
		return nil, p.lex.errorf(t.pos, "unknown function %s()", t.text)
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	n, err := p.newNode(node{kind: eCall, op: lower})
	if err != nil {
		return nil, err
	}
	for !(p.tok.kind == tPunct && p.tok.text == ")") {
		if len(n.args) > 0 {
			if p.tok.kind != tPunct || p.tok.text != "," {
				return nil, p.errorf("expected , or ), found %s", p.tok)
			}
			if err := p.next(); err != nil {
				return nil, err
			}
		}
		if len(n.args) >= arity {
			return nil, p.lex.errorf(t.pos, "%s() takes %d arguments", lower, arity)
		}
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, x)
	}
	if len(n.args) != arity {
		return nil, p.lex.errorf(t.pos, "%s() takes %d arguments", lower, arity)
	}
	return n, p.next()
}

// Precedence levels for printing.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp
	precAtom
)

func prec(n *node) int {
	switch n.kind {
	case eOr:
		return precOr
	case eAnd:
		return precAnd
	case eNot:
		return precNot
	case eCmp:
		return precCmp
	}
	return precAtom
}

// writeNode prints n in canonical form; names maps field IDs to names
// (nil prints {#id}); min is the least precedence that needs no
// parentheses here.
func writeNode(b *strings.Builder, n *node, names func(uuid.UUID) (string, bool), min int) {
	if prec(n) < min {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	switch n.kind {
	case eOr, eAnd:
		kw := " or "
		if n.kind == eAnd {
			kw = " and "
		}
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(kw)
			}
			writeNode(b, a, names, prec(n)+1)
		}
	case eNot:
		b.WriteString("not ")
		writeNode(b, n.args[0], names, precNot)
	case eCmp:
		writeNode(b, n.args[0], names, precAtom)
		b.WriteString(" " + n.op + " ")
		writeNode(b, n.args[1], names, precAtom)
	case eNum:
		b.WriteString(formatNumber(n.num))
	case eStr:
		b.WriteString(quoteExprString(n.str))
	case eBool:
		b.WriteString(strconv.FormatBool(n.b))
	case eField:
		b.WriteString(fieldRef(n, names))
	case eCall:
		b.WriteString(n.op + "(")
		for i, a := range n.args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeNode(b, a, names, precOr)
		}
		b.WriteByte(')')
	}
}

// fieldRef prints a field reference: a bare name when it is a plain
// identifier, {name} with escapes otherwise, {#id} when the ID has no
// name.
func fieldRef(n *node, names func(uuid.UUID) (string, bool)) string {
	name := n.str
	if n.id != uuid.Nil {
		nm, ok := "", false
		if names != nil {
			nm, ok = names(n.id)
		}
		if !ok {
			return "{#" + n.id.String() + "}"
		}
		name = nm
	}
	if plainIdent(name) {
		return name
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, r := range name {
		if r == '}' || r == '\\' || (i == 0 && r == '#') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('}')
	return b.String()
}

// plainIdent reports whether name can be written as a bare identifier.
func plainIdent(name string) bool {
	if name == "" || keywords[strings.ToLower(name)] {
		return false
	}
	for i, r := range name {
		if (i == 0 && !isIdentStart(r)) || !isIdentPart(r) {
			return false
		}
	}
	return true
}

// quoteExprString quotes s as an expression string literal.
func quoteExprString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}
