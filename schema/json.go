package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"
)

// The design JSON format mirrored for decoding and encoding. Ids and
// references are strings so that missing ids can be told apart from
// malformed ones and references can be names.
type (
	toolJSON struct {
		ID          string      `json:"id"`
		Name        string      `json:"name"`
		Description string      `json:"description,omitempty"`
		Fields      []fieldJSON `json:"fields"`
		Views       []viewJSON  `json:"views,omitempty"`
		Forms       []formJSON  `json:"forms,omitempty"`
		Rules       []ruleJSON  `json:"rules,omitempty"`
	}
	fieldJSON struct {
		ID          string          `json:"id"`
		Name        string          `json:"name"`
		Type        FieldType       `json:"type"`
		Required    bool            `json:"required,omitempty"`
		Min         *float64        `json:"min,omitempty"`
		Max         *float64        `json:"max,omitempty"`
		MaxLength   int             `json:"maxLength,omitempty"`
		Pattern     string          `json:"pattern,omitempty"`
		Choices     []string        `json:"choices,omitempty"`
		Description string          `json:"description,omitempty"`
		Hidden      bool            `json:"hidden,omitempty"`
		Unique      bool            `json:"unique,omitempty"`
		Default     json.RawMessage `json:"default,omitempty"`
		Precision   *int            `json:"precision,omitempty"`
		Currency    string          `json:"currency,omitempty"`
		Lookup      *lookupJSON     `json:"lookup,omitempty"`
	}
	lookupJSON struct {
		Tool    string `json:"tool"`
		Display string `json:"display,omitempty"`
	}
	viewJSON struct {
		ID      string     `json:"id"`
		Name    string     `json:"name"`
		Type    ViewType   `json:"type"`
		Private bool       `json:"private,omitempty"`
		Owner   string     `json:"owner,omitempty"`
		Columns []string   `json:"columns,omitempty"`
		Sort    []sortJSON `json:"sort,omitempty"`
		Filter  string     `json:"filter,omitempty"`
		Group   string     `json:"group,omitempty"`
		Date    string     `json:"date,omitempty"`
		End     string     `json:"end,omitempty"`
		Board   string     `json:"board,omitempty"`
	}
	sortJSON struct {
		Field string `json:"field"`
		Desc  bool   `json:"desc,omitempty"`
	}
	formJSON struct {
		ID       string        `json:"id"`
		Name     string        `json:"name"`
		Sections []sectionJSON `json:"sections"`
	}
	sectionJSON struct {
		Title  string         `json:"title,omitempty"`
		Fields []formItemJSON `json:"fields"`
	}
	formItemJSON struct {
		Field    string `json:"field"`
		Label    string `json:"label,omitempty"`
		ReadOnly bool   `json:"readOnly,omitempty"`
	}
	ruleJSON struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Expr    string `json:"expr"`
		Message string `json:"message,omitempty"`
	}
	designJSON struct {
		Tools []json.RawMessage `json:"tools"`
	}
)

// objectKeys lists the keys allowed in a JSON object of the design format,
// each mapped to the keys allowed in objects nested under it (directly or
// as array elements); nil means no nested objects are expected.
type objectKeys map[string]objectKeys

var (
	fieldKeys = objectKeys{"id": nil, "name": nil, "type": nil, "required": nil,
		"min": nil, "max": nil, "maxLength": nil, "pattern": nil, "choices": nil,
		"description": nil, "hidden": nil, "unique": nil, "precision": nil, "currency": nil,
		"default": {"id": nil, "email": nil, "name": nil}, "lookup": {"tool": nil, "display": nil}}
	viewKeys = objectKeys{"id": nil, "name": nil, "type": nil, "private": nil, "owner": nil,
		"columns": nil, "sort": {"field": nil, "desc": nil}, "filter": nil, "group": nil,
		"date": nil, "end": nil, "board": nil}
	formKeys = objectKeys{"id": nil, "name": nil,
		"sections": {"title": nil, "fields": {"field": nil, "label": nil, "readOnly": nil}}}
	ruleKeys   = objectKeys{"id": nil, "name": nil, "expr": nil, "message": nil}
	toolKeys   = objectKeys{"id": nil, "name": nil, "description": nil, "fields": fieldKeys, "views": viewKeys, "forms": formKeys, "rules": ruleKeys}
	designKeys = objectKeys{"tools": toolKeys}
)

// Bounds of the key check: nesting and list length (the longest list of
// the format is a field's MaxChoices choices).
const (
	maxJSONDepth = 10
	maxJSONArray = MaxChoices
)

// ParseToolJSON parses a tool design in the design JSON format (see the
// package documentation), checks it with [Tool.Check] and returns it in
// canonical form ([Tool.Canonicalize]). It is strict: input larger than
// MaxDesignJSONBytes, anything but a single JSON object, unknown or
// duplicate keys, and keys in the wrong case are rejected. A missing or
// empty "id" (of the tool or any element) is filled with a fresh random
// UUID; callers that need stable ids must put them in the document.
// Present ids must be in the canonical 36-character form. A lookup field
// naming another tool must give that tool's id, and its display field by
// id; use [ParseDesignJSON] to resolve names. Errors wrap
// [ErrInvalidDesign].
func ParseToolJSON(data []byte) (*Tool, error) {
	tools, err := parseDesign(data, toolKeys, nil)
	if err != nil {
		return nil, fmt.Errorf("parse tool json: %w", err)
	}
	return tools[0], nil
}

// ParseDesignJSON parses a design document: either one tool object or
// {"tools": [tool, …]}. Lookup fields may name their tool and display
// field by name; names resolve against the document's tools first, then
// against known (the workspace's current tools, may be nil). Field
// references of views, forms and expressions that name no field of the
// document resolve against the current design of the same tool in known,
// so a field renamed in an exported file keeps its references. Every tool
// passes [Tool.Check] and comes back canonical; ids and names are unique
// across the document. Errors wrap [ErrInvalidDesign].
func ParseDesignJSON(data []byte, known []*Tool) ([]*Tool, error) {
	keys := toolKeys
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); bytes.HasPrefix(trimmed, []byte("{")) && isDesignDoc(trimmed) {
		keys = designKeys
	}
	tools, err := parseDesign(data, keys, known)
	if err != nil {
		return nil, fmt.Errorf("parse design json: %w", err)
	}
	return tools, nil
}

// isDesignDoc reports whether an object's first key is "tools".
func isDesignDoc(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return false
	}
	tok, err := dec.Token()
	return err == nil && tok == "tools"
}

// parseDesign does the work of the parsers.
func parseDesign(data []byte, keys objectKeys, known []*Tool) ([]*Tool, error) {
	if len(data) > MaxDesignJSONBytes {
		return nil, fmt.Errorf("%w: document larger than %d bytes", ErrInvalidDesign, MaxDesignJSONBytes)
	}
	if err := checkJSONKeys(data, keys); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDesign, err)
	}
	var raws []json.RawMessage
	if _, ok := keys["tools"]; ok {
		var doc designJSON
		if err := strictDecode(data, &doc); err != nil {
			return nil, err
		}
		if len(doc.Tools) == 0 {
			return nil, fmt.Errorf("%w: the design has no tools", ErrInvalidDesign)
		}
		raws = doc.Tools
	} else {
		raws = []json.RawMessage{data}
	}
	docs := make([]toolJSON, len(raws))
	tools := make([]*Tool, len(raws))
	for i, raw := range raws {
		if err := strictDecode(raw, &docs[i]); err != nil {
			return nil, err
		}
		t, err := docs[i].tool()
		if err != nil {
			return nil, err
		}
		tools[i] = t
	}
	scope := append(append([]*Tool(nil), tools...), known...)
	for i := range tools {
		if err := docs[i].finish(tools[i], scope); err != nil {
			return nil, err
		}
	}
	return tools, checkDocument(tools)
}

// checkDocument refuses repeated tool ids and names.
func checkDocument(tools []*Tool) error {
	ids := map[uuid.UUID]bool{}
	names := map[string]bool{}
	for _, t := range tools {
		if ids[t.ID] || names[foldKey(t.Name)] {
			return fmt.Errorf("%w: tool %q appears twice in the document", ErrInvalidDesign, t.Name)
		}
		ids[t.ID], names[foldKey(t.Name)] = true, true
	}
	return nil
}

// strictDecode decodes one JSON value with unknown fields refused.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidDesign, err)
	}
	return nil
}

// tool converts the decoded document's fields, filling missing ids;
// views, forms, rules and lookups need the fields and come in finish.
func (d *toolJSON) tool() (*Tool, error) {
	id, err := parseID(d.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: tool %q: id: %v", ErrInvalidDesign, d.Name, err)
	}
	if len(d.Fields) > MaxFields || len(d.Views) > MaxViews || len(d.Forms) > MaxForms || len(d.Rules) > MaxRules {
		return nil, fmt.Errorf("%w: tool %q: more than %d fields, %d views, %d forms or %d rules",
			ErrInvalidDesign, d.Name, MaxFields, MaxViews, MaxForms, MaxRules)
	}
	t := &Tool{ID: id, Name: d.Name, Description: d.Description, Fields: make([]Field, len(d.Fields))}
	for i, fj := range d.Fields {
		fid, err := parseID(fj.ID)
		if err != nil {
			return nil, fmt.Errorf("%w: field %q: id: %v", ErrInvalidDesign, fj.Name, err)
		}
		t.Fields[i] = Field{ID: fid, Name: fj.Name, Type: fj.Type, Required: fj.Required,
			Min: fj.Min, Max: fj.Max, MaxLength: fj.MaxLength, Pattern: fj.Pattern, Choices: fj.Choices,
			Description: fj.Description, Hidden: fj.Hidden, Unique: fj.Unique, Precision: fj.Precision,
			Currency: fj.Currency}
	}
	for i, fj := range d.Fields {
		if len(fj.Default) == 0 {
			continue
		}
		f := &t.Fields[i]
		if !f.Type.Valid() {
			continue // Check reports the type
		}
		if f.Default, err = defaultFromJSON(f, fj.Default); err != nil {
			return nil, fmt.Errorf("%w: field %q: default: %v", ErrInvalidDesign, fj.Name, err)
		}
	}
	return t, nil
}

// defaultFromJSON decodes a field default.
func defaultFromJSON(f *Field, raw json.RawMessage) (Value, error) {
	var x any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return Value{}, err
	}
	v, err := ValueFromJSON(f, x)
	if err != nil {
		return Value{}, errors.New(strings.TrimPrefix(err.Error(), "field "+fmt.Sprintf("%q", f.Name)+": "))
	}
	if v.IsEmpty() {
		return Value{}, errors.New("null or empty; leave the key out for no default")
	}
	return v, nil
}

// finish resolves the references of views, forms, rules and lookups
// against t's fields and the tools in scope, then canonicalizes t.
func (d *toolJSON) finish(t *Tool, scope []*Tool) error {
	if err := d.lookups(t, scope); err != nil {
		return err
	}
	// A name the document does not have may be the name the field has in
	// the current design of the same tool (a field renamed in an exported
	// file): the references to it follow the rename.
	var before *Tool
	for _, k := range scope {
		if k != t && k.ID == t.ID {
			before = k
		}
	}
	resolve := func(name string) (uuid.UUID, bool) {
		if id, ok := fieldRefID(t, name); ok {
			return id, true
		}
		if id, ok := fieldRefID(before, name); ok && t.hasField(id) {
			return id, true
		}
		return uuid.Nil, false
	}
	var err, refErr error
	ref := func(what, s string) uuid.UUID {
		if s == "" || refErr != nil {
			return uuid.Nil
		}
		id, ok := resolve(s)
		if !ok {
			refErr = fmt.Errorf("%w: tool %s: %s: no field %s (name fields as this document or the current design names them, or give their ids)", ErrInvalidDesign, quote(t.Name), what, quote(s))
		}
		return id
	}
	for _, vj := range d.Views {
		v := View{Name: vj.Name, Type: vj.Type, Private: vj.Private, Owner: vj.Owner, Filter: vj.Filter}
		if v.ID, err = parseID(vj.ID); err != nil {
			return fmt.Errorf("%w: view %q: id: %v", ErrInvalidDesign, vj.Name, err)
		}
		what := fmt.Sprintf("view %q", vj.Name)
		for _, c := range vj.Columns {
			v.Columns = append(v.Columns, ref(what+" column", c))
		}
		for _, s := range vj.Sort {
			v.Sort = append(v.Sort, SortKey{Field: ref(what+" sort", s.Field), Desc: s.Desc})
		}
		v.Group, v.DateField = ref(what+" group", vj.Group), ref(what+" date", vj.Date)
		v.EndField, v.BoardField = ref(what+" end", vj.End), ref(what+" board", vj.Board)
		t.Views = append(t.Views, v)
	}
	for _, fj := range d.Forms {
		fm := Form{Name: fj.Name}
		if fm.ID, err = parseID(fj.ID); err != nil {
			return fmt.Errorf("%w: form %q: id: %v", ErrInvalidDesign, fj.Name, err)
		}
		for _, sj := range fj.Sections {
			s := FormSection{Title: sj.Title}
			for _, it := range sj.Fields {
				s.Items = append(s.Items, FormItem{Field: ref(fmt.Sprintf("form %q", fj.Name), it.Field), Label: it.Label, ReadOnly: it.ReadOnly})
			}
			fm.Sections = append(fm.Sections, s)
		}
		t.Forms = append(t.Forms, fm)
	}
	for _, rj := range d.Rules {
		r := Rule{Name: rj.Name, Expr: rj.Expr, Message: rj.Message}
		if r.ID, err = parseID(rj.ID); err != nil {
			return fmt.Errorf("%w: rule %q: id: %v", ErrInvalidDesign, rj.Name, err)
		}
		t.Rules = append(t.Rules, r)
	}
	if refErr != nil {
		return refErr
	}
	for i := range t.Rules {
		t.Rules[i].Expr = resolveExprNames(t.Rules[i].Expr, resolve)
	}
	for i := range t.Views {
		t.Views[i].Filter = resolveExprNames(t.Views[i].Filter, resolve)
	}
	if err := t.Check(); err != nil {
		return err
	}
	return t.Canonicalize()
}

// resolveExprNames rewrites the name references of an expression that
// resolve to field IDs ({#id}); it returns src unchanged when it does not
// parse or a name does not resolve, for the check to report.
func resolveExprNames(src string, resolve func(string) (uuid.UUID, bool)) string {
	if src == "" {
		return src
	}
	e, err := ParseExpr(src)
	if err != nil {
		return src
	}
	ok := true
	var walk func(n *node)
	walk = func(n *node) {
		if n.kind == eField && n.id == uuid.Nil {
			if id, found := resolve(n.str); found {
				n.id, n.str = id, ""
			} else {
				ok = false
			}
		}
		for _, a := range n.args {
			walk(a)
		}
	}
	walk(e.root)
	if !ok {
		return src
	}
	return e.String()
}

// lookups resolves the lookup fields' tool and display references.
func (d *toolJSON) lookups(t *Tool, scope []*Tool) error {
	for i, fj := range d.Fields {
		if fj.Lookup == nil {
			continue
		}
		f := &t.Fields[i]
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%w: field %q: lookup: %s", ErrInvalidDesign, f.Name, fmt.Sprintf(format, args...))
		}
		target := findTool(scope, fj.Lookup.Tool)
		switch {
		case target != nil:
			f.LookupTool = target.ID
		case isUUID(fj.Lookup.Tool):
			f.LookupTool = uuid.MustParse(fj.Lookup.Tool)
		default:
			return fail("no tool %q in the design; give the tool's id", fj.Lookup.Tool)
		}
		if fj.Lookup.Display == "" {
			continue
		}
		if id, ok := fieldRefID(target, fj.Lookup.Display); ok {
			f.LookupDisplay = id
		} else if isUUID(fj.Lookup.Display) {
			f.LookupDisplay = uuid.MustParse(fj.Lookup.Display)
		} else {
			return fail("display field %q not found; give the field's id", fj.Lookup.Display)
		}
	}
	return nil
}

// findTool finds a tool by id or name (case-insensitive).
func findTool(tools []*Tool, ref string) *Tool {
	for _, t := range tools {
		if t != nil && (t.ID.String() == strings.ToLower(ref) || strings.EqualFold(t.Name, ref)) {
			return t
		}
	}
	return nil
}

// fieldRefID resolves a field reference: a field's id, else its name.
func fieldRefID(t *Tool, ref string) (uuid.UUID, bool) {
	if t == nil {
		return uuid.Nil, false
	}
	if isUUID(ref) {
		if f, ok := t.FieldByID(uuid.MustParse(ref)); ok {
			return f.ID, true
		}
	}
	if f, ok := t.FieldByName(ref); ok {
		return f.ID, true
	}
	return uuid.Nil, false
}

// isUUID reports whether s is a canonical 36-character UUID.
func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// parseID parses a canonical 36-character UUID, or returns a new random
// one for "".
func parseID(s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.NewRandom()
	}
	if len(s) != 36 {
		return uuid.Nil, fmt.Errorf("%q is not a UUID of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	return uuid.Parse(s)
}

// UnmarshalJSON decodes the design JSON format with the rules of
// [ParseToolJSON], including its check; on error t is left unchanged.
func (t *Tool) UnmarshalJSON(data []byte) error {
	parsed, err := ParseToolJSON(data)
	if err != nil {
		return err
	}
	*t = *parsed
	return nil
}

// checkJSONKeys walks data, which must be a single JSON object, and rejects
// keys not allowed by keys (compared exactly, although encoding/json would
// match them case-insensitively) and duplicate keys.
func checkJSONKeys(data []byte, keys objectKeys) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errors.New("a design must be a JSON object")
	}
	if err := walkObject(dec, keys, 1); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// walkObject checks the keys of an object whose '{' has been read, up to
// and including its '}'.
func walkObject(dec *json.Decoder, allowed objectKeys, depth int) error {
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if _, ok := allowed[key]; !ok {
			return fmt.Errorf("unknown key %q", key)
		}
		if seen[strings.ToLower(key)] {
			return fmt.Errorf("duplicate key %q", key)
		}
		seen[strings.ToLower(key)] = true
		if err := walkValue(dec, allowed[key], depth); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

// walkValue checks one value; objects in it (directly or in arrays) must
// use the keys of allowed.
func walkValue(dec *json.Decoder, allowed objectKeys, depth int) error {
	if depth > maxJSONDepth {
		return errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return walkObject(dec, allowed, depth+1)
	case json.Delim('['):
		for n := 0; dec.More(); n++ {
			if n == maxJSONArray {
				return fmt.Errorf("a list of more than %d elements", maxJSONArray)
			}
			if err := walkValue(dec, allowed, depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	}
	return nil
}
