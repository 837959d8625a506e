package wireform

import (
	"fmt"
	"strings"
)

// Reserved lists the field names a Grove client keeps for a record's own
// metadata (the command line's and the app's record columns). A server field
// whose title matches one, case-insensitively, gets an alias locally.
var Reserved = []string{"ID", "Created", "CreatedBy", "Created By", "Modified", "ModifiedBy", "Modified By", "Deleted", "Conflicts", "Refused"}

// IsReserved reports whether a local field name is reserved.
func IsReserved(name string) bool {
	for _, r := range Reserved {
		if strings.EqualFold(r, name) {
			return true
		}
	}
	return false
}

// NameMap decouples one list's server internal names from the local field
// names of the tool that mirrors it. It is a bijection; the zero value is
// empty and ready to use. Build it with Add in the server's field order.
type NameMap struct {
	toLocal  map[string]string
	toServer map[string]string // keys lower case
}

// Add maps a server field (internal name and title) to a local name: the
// title, or, when the title is reserved or already taken, the title with
// " (server)" (then " (server 2)", ...) appended. It returns the local name.
// Adding the same internal name twice returns the first mapping.
func (m *NameMap) Add(internal, title string) string {
	if m.toLocal == nil {
		m.toLocal, m.toServer = map[string]string{}, map[string]string{}
	}
	if l, ok := m.toLocal[internal]; ok {
		return l
	}
	local := title
	for n := 1; IsReserved(local) || m.toServer[strings.ToLower(local)] != ""; n++ {
		if n == 1 {
			local = title + " (server)"
		} else {
			local = fmt.Sprintf("%s (server %d)", title, n)
		}
	}
	m.toLocal[internal] = local
	m.toServer[strings.ToLower(local)] = internal
	return local
}

// Local returns the local name of a server internal name.
func (m *NameMap) Local(internal string) (string, bool) {
	l, ok := m.toLocal[internal]
	return l, ok
}

// Server returns the internal name behind a local name (case-insensitive).
func (m *NameMap) Server(local string) (string, bool) {
	s, ok := m.toServer[strings.ToLower(local)]
	return s, ok
}

// Aliased reports whether the local name differs from the server title,
// i.e. the map had to alias it.
func (m *NameMap) Aliased(internal, title string) bool {
	l, ok := m.toLocal[internal]
	return ok && l != title
}

// Pairs returns the mappings as internal name -> local name.
func (m *NameMap) Pairs() map[string]string {
	out := make(map[string]string, len(m.toLocal))
	for k, v := range m.toLocal {
		out[k] = v
	}
	return out
}
