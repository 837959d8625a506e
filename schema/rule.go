package schema

import (
	"fmt"

	"github.com/google/uuid"
)

// Limits of tool rules.
const (
	// MaxRules is the largest number of rules of a tool.
	MaxRules = 100
	// MaxMessageRunes is the longest rule message.
	MaxMessageRunes = 200
)

// Rule is a tool-level validation rule across fields ("End after start"):
// an expression every record must satisfy. Rules are deterministic: they
// may not use today() or now(), nor computed fields, so a record valid
// once stays valid until it or the design changes.
type Rule struct {
	// ID identifies the rule; not uuid.Nil, distinct from the IDs of the
	// tool's other elements.
	ID uuid.UUID
	// Name is the rule's display name, unique among the tool's rules
	// (case-insensitively).
	Name string
	// Expr must be true for a valid record (see "Expressions" in the
	// package documentation). Stored in canonical form with references by
	// ID ({#id}); use [Tool.FormatExpr] to show it.
	Expr string
	// Message tells users what to fix when the rule fails; "" shows the
	// rule's name and expression.
	Message string
}

// check reports the problems of r within tool t.
func (r *Rule) check(t *Tool) []string {
	var p []string
	fail := func(format string, args ...any) {
		p = append(p, fmt.Sprintf("rule %s: %s", quote(r.Name), fmt.Sprintf(format, args...)))
	}
	if r.ID == uuid.Nil {
		fail("missing id")
	}
	if err := checkName(r.Name, MaxNameRunes); err != nil {
		fail("name: %v", err)
	}
	if r.Message != "" {
		if err := checkName(r.Message, MaxMessageRunes); err != nil {
			fail("message: %v", err)
		}
	}
	pred, err := t.CompileExpr(r.Expr)
	if err != nil {
		fail("%v", unwrapDesign(err))
		return p
	}
	if pred.UsesNow() {
		fail("rules cannot use today() or now(); use them in view filters")
	}
	for _, id := range pred.Fields() {
		if f, _ := t.FieldByID(id); f.Type.Computed() {
			fail("rules cannot use the computed field %q", f.Name)
		}
	}
	return p
}

// unwrapDesign returns err's message without the "invalid design: "
// prefix, for nesting in a larger message.
func unwrapDesign(err error) string {
	msg := err.Error()
	prefix := ErrInvalidDesign.Error() + ": "
	for len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		msg = msg[len(prefix):]
	}
	return msg
}

// failure is the error a failed rule of t reports.
func (r *Rule) failure(t *Tool) *RuleError {
	msg := r.Message
	if msg == "" {
		expr, err := t.FormatExpr(r.Expr)
		if err != nil {
			expr = r.Expr
		}
		msg = "must hold: " + expr
	}
	return &RuleError{Field: r.Name, FieldID: r.ID, Rule: RuleTool, Msg: msg}
}
