package schema

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// CheckWorkspace checks what spans the tools of one workspace: tool IDs
// and names are unique, and every lookup field resolves — its tool is one
// of tools, its display field a field of that tool, and following display
// fields from lookup to lookup ends within MaxLookupDepth steps without
// coming back to a field already visited (a cyclic lookup). Each tool must
// pass [Tool.Check] on its own. Errors wrap [ErrInvalidDesign].
func CheckWorkspace(tools []*Tool) error {
	byID := make(map[uuid.UUID]*Tool, len(tools))
	names := make(map[string]bool, len(tools))
	var errs []error
	for _, t := range tools {
		if byID[t.ID] != nil || names[foldKey(t.Name)] {
			errs = append(errs, fmt.Errorf("%w: tool %q: another tool has the same id or name", ErrInvalidDesign, t.Name))
		}
		byID[t.ID], names[foldKey(t.Name)] = t, true
	}
	for _, t := range tools {
		for i := range t.Fields {
			f := &t.Fields[i]
			if f.Type != Lookup {
				continue
			}
			if err := checkLookup(byID, t, f); err != nil {
				errs = append(errs, fmt.Errorf("%w: tool %q: field %q: lookup: %v", ErrInvalidDesign, t.Name, f.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// checkLookup follows one lookup's display chain.
func checkLookup(byID map[uuid.UUID]*Tool, t *Tool, f *Field) error {
	type hop struct{ tool, field uuid.UUID }
	visited := map[hop]bool{{t.ID, f.ID}: true}
	for depth := 0; ; depth++ {
		target, ok := byID[f.LookupTool]
		if !ok {
			return fmt.Errorf("tool %s is not in the workspace", f.LookupTool)
		}
		if len(target.Fields) == 0 {
			return fmt.Errorf("tool %q has no fields to show", target.Name)
		}
		display := &target.Fields[0]
		if f.LookupDisplay != uuid.Nil {
			if display, ok = target.FieldByID(f.LookupDisplay); !ok {
				return fmt.Errorf("tool %q has no field %s", target.Name, f.LookupDisplay)
			}
		}
		if display.Type != Lookup {
			return nil
		}
		h := hop{target.ID, display.ID}
		if visited[h] {
			return fmt.Errorf("display fields form a cycle through %q.%q", target.Name, display.Name)
		}
		if depth+1 >= MaxLookupDepth {
			return fmt.Errorf("display fields chain more than %d lookups", MaxLookupDepth)
		}
		visited[h] = true
		f = display
	}
}
