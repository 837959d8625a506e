package schema

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
)

// Writing the design JSON format (see the package documentation).

// MarshalJSON encodes t in the design JSON format, with field references
// and expressions written by name; [ParseToolJSON] parses the result back
// to an equal Tool when t passes [Tool.Check] and is canonical
// ([Tool.Canonicalize]). Lookup tools and display fields are written by
// id. A nil t encodes as null.
func (t *Tool) MarshalJSON() ([]byte, error) {
	if t == nil {
		return []byte("null"), nil
	}
	d, err := t.toJSON()
	if err != nil {
		return nil, fmt.Errorf("marshal tool %q: %w", t.Name, err)
	}
	return encodeJSON(d)
}

// MarshalDesignJSON encodes tools as a design document {"tools": […]},
// indented for people to read and edit.
func MarshalDesignJSON(tools []*Tool) ([]byte, error) {
	raws := make([]json.RawMessage, len(tools))
	for i, t := range tools {
		b, err := t.MarshalJSON()
		if err != nil {
			return nil, err
		}
		raws[i] = b
	}
	b, err := encodeJSON(designJSON{Tools: raws})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// encodeJSON encodes v without HTML escaping and without a newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep patterns like "<" readable
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// toJSON converts t to its JSON mirror.
func (t *Tool) toJSON() (toolJSON, error) {
	d := toolJSON{ID: t.ID.String(), Name: t.Name, Description: t.Description, Fields: []fieldJSON{}}
	for _, f := range t.Fields {
		fj := fieldJSON{ID: f.ID.String(), Name: f.Name, Type: f.Type, Required: f.Required, Min: f.Min, Max: f.Max,
			MaxLength: f.MaxLength, Pattern: f.Pattern, Choices: f.Choices, Description: f.Description,
			Hidden: f.Hidden, Unique: f.Unique, Precision: f.Precision, Currency: f.Currency}
		if !f.Default.IsEmpty() {
			b, err := encodeJSON(f.Default.JSON())
			if err != nil {
				return d, err
			}
			fj.Default = b
		}
		if f.LookupTool != uuid.Nil {
			fj.Lookup = &lookupJSON{Tool: f.LookupTool.String()}
			if f.LookupDisplay != uuid.Nil {
				fj.Lookup.Display = f.LookupDisplay.String()
			}
		}
		d.Fields = append(d.Fields, fj)
	}
	name := func(id uuid.UUID) string {
		if id == uuid.Nil {
			return ""
		}
		return t.fieldName(id)
	}
	for _, v := range t.Views {
		vj := viewJSON{ID: v.ID.String(), Name: v.Name, Type: v.Type, Private: v.Private, Owner: v.Owner,
			Group: name(v.Group), Date: name(v.DateField), End: name(v.EndField), Board: name(v.BoardField)}
		for _, c := range v.Columns {
			vj.Columns = append(vj.Columns, name(c))
		}
		for _, k := range v.Sort {
			vj.Sort = append(vj.Sort, sortJSON{Field: name(k.Field), Desc: k.Desc})
		}
		if v.Filter != "" {
			vj.Filter = t.formatOrRaw(v.Filter)
		}
		d.Views = append(d.Views, vj)
	}
	for _, fm := range t.Forms {
		fj := formJSON{ID: fm.ID.String(), Name: fm.Name, Sections: []sectionJSON{}}
		for _, s := range fm.Sections {
			sj := sectionJSON{Title: s.Title, Fields: []formItemJSON{}}
			for _, it := range s.Items {
				sj.Fields = append(sj.Fields, formItemJSON{Field: name(it.Field), Label: it.Label, ReadOnly: it.ReadOnly})
			}
			fj.Sections = append(fj.Sections, sj)
		}
		d.Forms = append(d.Forms, fj)
	}
	for _, r := range t.Rules {
		d.Rules = append(d.Rules, ruleJSON{ID: r.ID.String(), Name: r.Name, Expr: t.formatOrRaw(r.Expr), Message: r.Message})
	}
	return d, nil
}

// formatOrRaw formats an expression with names, or returns it as is when
// it does not parse.
func (t *Tool) formatOrRaw(src string) string {
	if s, err := t.FormatExpr(src); err == nil {
		return s
	}
	return src
}
