package workspace

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/widgets"
)

// query is what the person asked the table to show: a sort, a search
// over every column and a filter on one column.
type query struct {
	sortCol, sortDir int // sortDir 0: creation order
	search           string
	filterCol        int // -1: no filter
	filterText       string
}

func (q query) identity() bool {
	return q.sortDir == 0 && strings.TrimSpace(q.search) == "" && (q.filterCol < 0 || q.filterText == "")
}

// The rows of a tool are kept in columns, not as model.Row values: a
// schema.Value takes 56 bytes whatever it holds, and a row of eight
// fields with its own slice, times and author about 600 bytes. Here a
// cell is a one-byte kind and a four-byte word (the day, or where its
// text or number is), texts of a batch share one string per column, and
// repeated short texts (choices, owners) are stored once. 100,000 rows of
// eight fields take about 12 MB instead of about 60 MB, and the decoded
// rows of a batch are garbage as soon as it is added.

// cellKind is the kind of a stored cell, in the cross-kind order of
// schema.Value.Compare.
type cellKind uint8

const (
	kindEmpty    cellKind = iota
	kindText              // word: text offset
	kindChoice            // word: text offset
	kindNumber            // word: index in wide (math.Float64bits)
	kindDate              // word: days since 1970-01-01 (int32)
	kindCheckbox          // word: 0 or 1
	kindDateTime          // word: index in wide (seconds since 1970-01-01)
	kindOther             // word: index in other (multi-choice, person, lookup)
)

// column holds one field's cells, by storage slot: a kind and a word
// each. A text is stored as its length (uvarint) and bytes in the
// column's chunks, one string per batch; its word is its offset counted
// over all chunks (starts holds each chunk's first offset). Everything is
// append-only, so a snapshot of the slice headers (see table) stays valid
// while more rows are added.
type column struct {
	kinds  []cellKind
	words  []uint32
	chunks []string
	starts []uint32
	wide   []uint64
	other  []schema.Value
}

// textMax bounds a column's text storage: offsets are 32-bit. Texts past
// it are kept as schema.Values.
const textMax = math.MaxUint32

// rowMeta is what the marks column needs of a row.
type rowMeta struct {
	modified  int64  // UnixNano; noTime for the zero time
	author    uint32 // index in table.authors of ModifiedBy
	conflicts uint32
}

const noTime = math.MinInt64

// table is the storage: per slot an ID, the marks' data and a cell per
// column. Slots are only ever appended; a row that changes gets a new
// slot. A copy of the struct (with the column headers copied) is an
// immutable snapshot.
type table struct {
	ids     []uuid.UUID
	meta    []rowMeta
	cols    []column
	authors []string
}

func (t *table) snapshot() *table {
	c := *t
	c.cols = slices.Clone(t.cols)
	return &c
}

// text reads the text at offset w.
func (c *column) text(w uint32) string {
	i, found := slices.BinarySearch(c.starts, w)
	if !found {
		i--
	}
	ch := c.chunks[i]
	off := int(w - c.starts[i])
	n, k := 0, 0
	for shift := 0; ; shift += 7 {
		b := ch[off+k]
		k++
		n |= int(b&0x7f) << shift
		if b < 0x80 {
			break
		}
	}
	return ch[off+k : off+k+n]
}

// value rebuilds the schema.Value of a slot.
func (c *column) value(slot int32) schema.Value {
	w := c.words[slot]
	switch c.kinds[slot] {
	case kindText:
		return schema.TextValue(c.text(w))
	case kindChoice:
		return schema.ChoiceValue(c.text(w))
	case kindNumber:
		return schema.NumberValue(math.Float64frombits(c.wide[w]))
	case kindDate:
		return schema.DateDays(int32(w))
	case kindCheckbox:
		return schema.BoolValue(w != 0)
	case kindDateTime:
		return schema.DateTimeSeconds(int64(c.wide[w]))
	case kindOther:
		return c.other[w]
	}
	return schema.Value{}
}

// value returns the cell of a slot, the empty Value past the columns.
func (t *table) value(slot int32, col int) schema.Value {
	if col < 0 || col >= len(t.cols) {
		return schema.Value{}
	}
	return t.cols[col].value(slot)
}

// label names a row for people: its first text or choice value.
func (t *table) label(tool *schema.Tool, slot int32) string {
	for i, f := range tool.Fields {
		if i < len(t.cols) && (f.Type == schema.Text || f.Type == schema.Choice) {
			if v := t.cols[i].value(slot); !v.IsEmpty() {
				return v.String()
			}
		}
	}
	return "Record " + t.ids[slot].String()[:8]
}

// rowSet is the controller's copy of one tool's live records, in creation
// order. Only the controller's goroutine touches it; published views hold
// snapshots of its storage and of pos, which is copied before it changes.
type rowSet struct {
	tool *schema.Tool
	t    table
	pos  []int32 // creation order → slot

	// index finds a record's position; built at the first put or remove
	// (a plain load never needs it).
	index   map[uuid.UUID]int
	authors map[string]uint32
	// interned short texts per column, and whether a column still takes
	// new ones.
	interned []map[string]uint32
	interns  []bool
	// The search text (lower case) of slots [0, len(hayEnd)), in blocks
	// of hayBlock slots; built on the first search. hayTitles is, per
	// column, the titles its lookups were read with; the text is rebuilt
	// when they change.
	hay       []string
	hayEnd    []uint32
	hayTitles []*titleSet
}

const (
	hayBlock  = 4096
	internMax = 4096 // distinct texts interned per column
	internLen = 32   // longest text interned
)

func newRowSet(t *schema.Tool) *rowSet {
	rs := &rowSet{tool: t, authors: map[string]uint32{}}
	rs.t.cols = make([]column, len(t.Fields))
	rs.interned = make([]map[string]uint32, len(t.Fields))
	rs.interns = make([]bool, len(t.Fields))
	for i := range rs.interned {
		rs.interned[i] = map[string]uint32{}
		rs.interns[i] = true
	}
	return rs
}

// store appends rows to the storage and returns the first new slot.
func (rs *rowSet) store(rows []model.Row) int32 {
	first := int32(len(rs.t.ids))
	for i := range rows {
		r := &rows[i]
		rs.t.ids = append(rs.t.ids, r.ID)
		m := rowMeta{modified: noTime, author: rs.author(r.ModifiedBy), conflicts: uint32(min(max(r.Conflicts, 0), math.MaxUint32))}
		if !r.Modified.IsZero() {
			m.modified = r.Modified.UnixNano()
		}
		rs.t.meta = append(rs.t.meta, m)
	}
	var b strings.Builder
	for c := range rs.t.cols {
		col := &rs.t.cols[c]
		start := uint32(0)
		if n := len(col.chunks); n > 0 {
			start = col.starts[n-1] + uint32(len(col.chunks[n-1]))
		}
		b.Reset()
		for i := range rows {
			var v schema.Value
			if c < len(rows[i].Values) {
				v = rows[i].Values[c]
			}
			k, w := rs.cell(c, v, start, &b)
			col.kinds = append(col.kinds, k)
			col.words = append(col.words, w)
		}
		if b.Len() > 0 {
			col.chunks = append(col.chunks, b.String())
			col.starts = append(col.starts, start)
		}
	}
	return first
}

// cell encodes one value; texts go to b, the chunk being built, which
// starts at offset start.
func (rs *rowSet) cell(c int, v schema.Value, start uint32, b *strings.Builder) (cellKind, uint32) {
	col := &rs.t.cols[c]
	switch v.Kind() {
	case "":
		return kindEmpty, 0
	case schema.Text, schema.Choice:
		k := kindText
		if v.Kind() == schema.Choice {
			k = kindChoice
		}
		s := v.Text()
		short := len(s) <= internLen
		if short {
			if w, ok := rs.interned[c][s]; ok {
				return k, w
			}
		}
		if uint64(start)+uint64(b.Len())+uint64(len(s))+10 > textMax {
			break // kept as a Value below
		}
		w := start + uint32(b.Len())
		var n [10]byte
		b.Write(n[:putUvarint(n[:], len(s))])
		b.WriteString(s)
		if short && rs.interns[c] {
			rs.interned[c][s] = w
			rs.interns[c] = len(rs.interned[c]) < internMax
		}
		return k, w
	case schema.Number:
		col.wide = append(col.wide, math.Float64bits(v.Number()))
		return kindNumber, uint32(len(col.wide) - 1)
	case schema.Date:
		return kindDate, uint32(v.Days())
	case schema.Checkbox:
		if v.Bool() {
			return kindCheckbox, 1
		}
		return kindCheckbox, 0
	case schema.DateTime:
		col.wide = append(col.wide, uint64(v.Time().Unix()))
		return kindDateTime, uint32(len(col.wide) - 1)
	}
	col.other = append(col.other, v)
	return kindOther, uint32(len(col.other) - 1)
}

func putUvarint(b []byte, n int) int {
	i := 0
	for n >= 0x80 {
		b[i] = byte(n) | 0x80
		n >>= 7
		i++
	}
	b[i] = byte(n)
	return i + 1
}

func (rs *rowSet) author(device string) uint32 {
	if i, ok := rs.authors[device]; ok {
		return i
	}
	i := uint32(len(rs.t.authors))
	rs.t.authors = append(rs.t.authors, device)
	rs.authors[device] = i
	return i
}

// add appends rows read in creation order.
func (rs *rowSet) add(batch []model.Row) {
	first := rs.store(batch)
	for i := range batch {
		if rs.index != nil {
			rs.index[batch[i].ID] = len(rs.pos)
		}
		rs.pos = append(rs.pos, first+int32(i))
	}
}

func (rs *rowSet) buildIndex() {
	if rs.index != nil {
		return
	}
	rs.index = make(map[uuid.UUID]int, len(rs.pos))
	for p, slot := range rs.pos {
		rs.index[rs.t.ids[slot]] = p
	}
}

// put inserts or replaces one row.
func (rs *rowSet) put(r model.Row) {
	rs.buildIndex()
	slot := rs.store([]model.Row{r})
	if p, ok := rs.index[r.ID]; ok {
		rs.pos = slices.Clone(rs.pos)
		rs.pos[p] = slot
	} else {
		rs.index[r.ID] = len(rs.pos)
		rs.pos = append(rs.pos, slot)
	}
	rs.compact()
}

// remove drops a row.
func (rs *rowSet) remove(id uuid.UUID) bool {
	rs.buildIndex()
	p, ok := rs.index[id]
	if !ok {
		return false
	}
	rs.pos = slices.Delete(slices.Clone(rs.pos), p, p+1)
	delete(rs.index, id)
	for j := p; j < len(rs.pos); j++ {
		rs.index[rs.t.ids[rs.pos[j]]] = j
	}
	rs.compact()
	return true
}

// compact rebuilds the storage when replaced and removed rows' slots
// outnumber the live ones. Published snapshots keep the old storage.
func (rs *rowSet) compact() {
	if len(rs.t.ids) < 2*len(rs.pos)+1024 {
		return
	}
	old, pos := rs.t.snapshot(), rs.pos
	n := newRowSet(rs.tool)
	const step = 1024
	for start := 0; start < len(pos); start += step {
		batch := make([]model.Row, 0, min(step, len(pos)-start))
		for _, slot := range pos[start:min(start+step, len(pos))] {
			batch = append(batch, old.row(slot))
		}
		n.add(batch)
	}
	*rs = *n
}

// row rebuilds a stored row (for compact).
func (t *table) row(slot int32) model.Row {
	m := t.meta[slot]
	r := model.Row{ID: t.ids[slot], Values: make([]schema.Value, len(t.cols)),
		ModifiedBy: t.authors[m.author], Conflicts: int(m.conflicts)}
	if m.modified != noTime {
		r.Modified = time.Unix(0, m.modified)
	}
	for c := range t.cols {
		r.Values[c] = t.cols[c].value(slot)
	}
	return r
}

// haystack returns the lower-case search text of a slot.
func (rs *rowSet) haystack(slot int32) string {
	blk := rs.hay[slot/hayBlock]
	start := uint32(0)
	if slot%hayBlock != 0 {
		start = rs.hayEnd[slot-1]
	}
	return blk[start:rs.hayEnd[slot]]
}

// buildHay extends the search text to every slot; l titles the records
// of lookup columns. Text built with other titles is dropped first.
func (rs *rowSet) buildHay(l lookups) {
	key := make([]*titleSet, len(rs.tool.Fields))
	for c, f := range rs.tool.Fields {
		if f.Type == schema.Lookup {
			key[c] = l[f.LookupTool]
		}
	}
	if !slices.Equal(key, rs.hayTitles) {
		rs.hay, rs.hayEnd, rs.hayTitles = nil, nil, key
	}
	n := int32(len(rs.t.ids))
	for int32(len(rs.hayEnd)) < n {
		from := int32(len(rs.hayEnd))
		blk := from / hayBlock
		var b strings.Builder
		if int(blk) < len(rs.hay) { // a partial last block: rebuild it
			b.WriteString(rs.hay[blk])
		}
		to := min(n, (blk+1)*hayBlock)
		for slot := from; slot < to; slot++ {
			for c := range rs.t.cols {
				if v := rs.t.cols[c].value(slot); !v.IsEmpty() {
					b.WriteString(strings.ToLower(searchText(&rs.tool.Fields[c], v, l)))
					b.WriteByte(0)
				}
			}
			rs.hayEnd = append(rs.hayEnd, uint32(b.Len()))
		}
		if int(blk) < len(rs.hay) {
			rs.hay[blk] = b.String()
		} else {
			rs.hay = append(rs.hay, b.String())
		}
	}
}

// searchText is what the search and the filter match a value against:
// what the person sees of it, not its stored form. A person reads as
// their name and e-mail address, a lookup as its record's title (from l).
func searchText(f *schema.Field, v schema.Value, l lookups) string {
	switch v.Kind() {
	case schema.Person:
		p := v.Person()
		if p.Name == "" && p.Email == "" {
			return p.Display()
		}
		return p.Name + "\x00" + p.Email
	case schema.Lookup:
		return l.title(f.LookupTool, v.Record())
	}
	return v.String()
}

// view computes what q shows of the rows; l titles the records the
// lookup columns name, for the view and for the search and filter.
func (rs *rowSet) view(q query, loading bool, l lookups) *view {
	v := &view{tool: rs.tool, t: rs.t.snapshot(), pos: rs.pos, total: len(rs.pos), loading: loading, lookups: l}
	if q.identity() {
		return v
	}
	order := make([]int32, 0, len(rs.pos))
	search := strings.ToLower(strings.TrimSpace(q.search))
	if search != "" {
		rs.buildHay(l)
	}
	filter := strings.ToLower(strings.TrimSpace(q.filterText))
	useFilter := q.filterCol >= 0 && q.filterCol < len(rs.tool.Fields) && filter != ""
	exact := useFilter && (rs.tool.Fields[q.filterCol].Type == schema.Choice || rs.tool.Fields[q.filterCol].Type == schema.Checkbox)
	for p, slot := range rs.pos {
		if search != "" && !strings.Contains(rs.haystack(slot), search) {
			continue
		}
		if useFilter {
			got := strings.ToLower(searchText(&rs.tool.Fields[q.filterCol], rs.t.value(slot, q.filterCol), l))
			if exact && got != filter || !exact && !strings.Contains(got, filter) {
				continue
			}
		}
		order = append(order, int32(p))
	}
	if q.sortDir != 0 && q.sortCol >= 0 && q.sortCol < len(rs.tool.Fields) {
		c, dir := q.sortCol, q.sortDir
		col := &rs.t.cols[c]
		slices.SortStableFunc(order, func(a, b int32) int {
			sa, sb := rs.pos[a], rs.pos[b]
			ka, kb := col.kinds[sa], col.kinds[sb]
			// Empty values go last in both directions.
			switch ea, eb := ka == kindEmpty, kb == kindEmpty; {
			case ea && eb:
				return 0
			case ea:
				return 1
			case eb:
				return -1
			}
			if ka == kb {
				switch ka {
				case kindNumber:
					return dir * cmp.Compare(math.Float64frombits(col.wide[col.words[sa]]), math.Float64frombits(col.wide[col.words[sb]]))
				case kindDate:
					return dir * cmp.Compare(int32(col.words[sa]), int32(col.words[sb]))
				case kindCheckbox:
					return dir * cmp.Compare(col.words[sa], col.words[sb])
				case kindDateTime:
					return dir * cmp.Compare(int64(col.wide[col.words[sa]]), int64(col.wide[col.words[sb]]))
				}
			}
			return dir * col.value(sa).Compare(col.value(sb))
		})
	}
	v.order = order
	return v
}

// view is an immutable snapshot of the rows a query shows, handed from the
// controller to the Fyne thread.
type view struct {
	tool    *schema.Tool
	t       *table
	pos     []int32 // creation order → slot
	order   []int32 // positions shown; nil: every row in creation order
	total   int
	loading bool
	// lookups holds the titles of the records the lookup columns name.
	lookups lookups
}

// Len returns the number of rows shown.
func (v *view) Len() int {
	if v == nil {
		return 0
	}
	if v.order != nil {
		return len(v.order)
	}
	return len(v.pos)
}

func (v *view) slot(i int) int32 {
	if v.order != nil {
		return v.pos[v.order[i]]
	}
	return v.pos[i]
}

// ID returns the record ID of the i-th row shown.
func (v *view) ID(i int) uuid.UUID { return v.t.ids[v.slot(i)] }

// Value returns the value in column col of the i-th row shown.
func (v *view) Value(i, col int) schema.Value { return v.t.value(v.slot(i), col) }

// Label names the i-th row shown for people.
func (v *view) Label(i int) string { return v.t.label(v.tool, v.slot(i)) }

// Find returns the position of a record, or -1.
func (v *view) Find(id uuid.UUID) int {
	for i, n := 0, v.Len(); i < n; i++ {
		if v.ID(i) == id {
			return i
		}
	}
	return -1
}

// cellText formats a value for a cell: persons by name (else e-mail),
// lookups by the title of their record (from l).
func cellText(f *schema.Field, v schema.Value, l lookups) string {
	if v.IsEmpty() {
		return ""
	}
	switch v.Kind() {
	case schema.Person:
		return v.Person().Display()
	case schema.Lookup:
		return l.title(f.LookupTool, v.Record())
	}
	switch f.Type {
	case schema.Checkbox:
		if v.Bool() {
			return "✓"
		}
		return ""
	case schema.Number:
		return strconv.FormatFloat(v.Number(), 'f', -1, 64)
	case schema.LongText:
		s := v.String()
		if i := strings.IndexAny(s, "\r\n"); i >= 0 {
			s = s[:i] + " …"
		}
		return s
	}
	return v.String()
}

// tableData adapts a view to widgets.TableData on the Fyne thread.
type tableData struct {
	v      *view
	me     string
	looked time.Time
	seen   map[uuid.UUID]bool
}

func (d *tableData) Len() int { return d.v.Len() }

func (d *tableData) Text(row, col int) string {
	if row >= d.v.Len() || col >= len(d.v.tool.Fields) {
		return ""
	}
	return cellText(&d.v.tool.Fields[col], d.v.Value(row, col), d.v.lookups)
}

func (d *tableData) Mark(row int) widgets.RowMark {
	if row >= d.v.Len() {
		return widgets.MarkNone
	}
	slot := d.v.slot(row)
	m := d.v.t.meta[slot]
	switch {
	case m.conflicts > 0:
		return widgets.MarkConflict
	case d.unread(slot, m):
		return widgets.MarkUnread
	}
	return widgets.MarkNone
}

func (d *tableData) unread(slot int32, m rowMeta) bool {
	if m.modified == noTime || d.v.t.authors[m.author] == d.me {
		return false
	}
	return time.Unix(0, m.modified).After(d.looked) && !d.seen[d.v.t.ids[slot]]
}
