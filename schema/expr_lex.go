package schema

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The lexer of the expression language (see the package documentation,
// "Expressions").

// tokenKind is the kind of a lexical token.
type tokenKind uint8

const (
	tEOF tokenKind = iota
	tIdent
	tNum
	tStr
	tRef   // {name} or {#id}
	tOp    // = != < <= > >=
	tPunct // ( ) , -
)

type token struct {
	kind tokenKind
	text string // ident (as written), op, punct, string contents, ref name
	num  float64
	id   uuid.UUID // tRef by ID
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tStr:
		return "string " + quoteExprString(t.text)
	case tRef:
		return "field reference"
	}
	return strconv.Quote(t.text)
}

// lexer splits an expression source into tokens.
type lexer struct {
	src string
	pos int
}

func (l *lexer) errorf(pos int, format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", pos, fmt.Sprintf(format, args...))
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case c == '"':
		return l.str()
	case c == '{':
		return l.ref()
	case c >= '0' && c <= '9' || c == '.':
		return l.number()
	case strings.ContainsRune("(),-", rune(c)):
		l.pos++
		return token{kind: tPunct, text: string(c), pos: start}, nil
	case c == '=' || c == '<' || c == '>' || c == '!':
		return l.op()
	}
	r, size := utf8.DecodeRuneInString(l.src[l.pos:])
	if !isIdentStart(r) {
		return token{}, l.errorf(start, "unexpected character %q", r)
	}
	l.pos += size
	for l.pos < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		if !isIdentPart(r) {
			break
		}
		l.pos += size
	}
	return token{kind: tIdent, text: l.src[start:l.pos], pos: start}, nil
}

func isSpace(c byte) bool       { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isIdentStart(r rune) bool  { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool   { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
func isDigit(c byte) bool       { return c >= '0' && c <= '9' }
func (l *lexer) peekByte() byte { return l.src[l.pos] }
func (l *lexer) more() bool     { return l.pos < len(l.src) }
func (l *lexer) at(c byte) bool { return l.more() && l.peekByte() == c }
func (l *lexer) digits() (n int) {
	for l.more() && isDigit(l.peekByte()) {
		l.pos++
		n++
	}
	return n
}
func (l *lexer) accept(c byte) bool {
	if l.at(c) {
		l.pos++
		return true
	}
	return false
}

// op lexes a comparison operator.
func (l *lexer) op() (token, error) {
	start := l.pos
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(l.src[l.pos:], op) {
			l.pos += len(op)
			return token{kind: tOp, text: op, pos: start}, nil
		}
	}
	return token{}, l.errorf(start, "unexpected character '!' (not equal is !=)")
}

// number lexes digits [. digits] [e [+-] digits].
func (l *lexer) number() (token, error) {
	start := l.pos
	n := l.digits()
	if l.accept('.') {
		n += l.digits()
	}
	if n == 0 {
		return token{}, l.errorf(start, "malformed number")
	}
	if l.accept('e') || l.accept('E') {
		if !l.accept('+') {
			l.accept('-')
		}
		if l.digits() == 0 {
			return token{}, l.errorf(start, "malformed number")
		}
	}
	text := l.src[start:l.pos]
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || !finite(f) {
		return token{}, l.errorf(start, "number %s out of range", text)
	}
	return token{kind: tNum, text: text, num: f, pos: start}, nil
}

// str lexes a double-quoted string with the escapes \" \\ \n \t \r.
func (l *lexer) str() (token, error) {
	start := l.pos
	l.pos++
	var b strings.Builder
	for {
		if !l.more() {
			return token{}, l.errorf(start, "unterminated string")
		}
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		l.pos += size
		switch {
		case r == '"':
			return token{kind: tStr, text: b.String(), pos: start}, nil
		case r == '\\':
			if !l.more() {
				return token{}, l.errorf(start, "unterminated string")
			}
			e := l.peekByte()
			l.pos++
			switch e {
			case '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				return token{}, l.errorf(l.pos-2, "unknown escape \\%c", e)
			}
		case unicode.IsControl(r):
			return token{}, l.errorf(l.pos-size, "control character in string; use \\n, \\t or \\r")
		default:
			b.WriteRune(r)
		}
	}
}

// ref lexes {name} (escapes: \ before any character) or {#id}.
func (l *lexer) ref() (token, error) {
	start := l.pos
	l.pos++
	var b strings.Builder
	escaped := false
	for {
		if !l.more() {
			return token{}, l.errorf(start, "unterminated {field name}")
		}
		r, size := utf8.DecodeRuneInString(l.src[l.pos:])
		l.pos += size
		switch {
		case r == '}' && !escaped:
			name := b.String()
			raw := l.src[start+1 : l.pos-1]
			if strings.HasPrefix(raw, "#") {
				id, err := uuid.Parse(raw[1:])
				if err != nil || len(raw) != 37 || id == uuid.Nil {
					return token{}, l.errorf(start, "{#…} needs a field ID")
				}
				return token{kind: tRef, id: id, pos: start}, nil
			}
			if name == "" {
				return token{}, l.errorf(start, "empty {field name}")
			}
			return token{kind: tRef, text: name, pos: start}, nil
		case r == '\\' && !escaped:
			escaped = true
		case unicode.IsControl(r):
			return token{}, l.errorf(l.pos-size, "control character in {field name}")
		default:
			escaped = false
			b.WriteRune(r)
		}
	}
}
