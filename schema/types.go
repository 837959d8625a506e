package schema

// FieldType names the kind of data a field holds. Its string form is the
// "type" value of the design JSON.
type FieldType string

// The field types. Any other FieldType is rejected by [Field.Check].
const (
	// Text is a single line of text (no line breaks), at most
	// DefaultMaxLength runes unless MaxLength lowers it.
	Text FieldType = "text"
	// LongText is multi-line text, at most DefaultLongTextMaxLength runes
	// unless MaxLength lowers it.
	LongText FieldType = "longtext"
	// Number is a finite float64, optionally bounded by Min and Max and
	// limited to Precision decimal places.
	Number FieldType = "number"
	// Currency is a number with a currency code (Field.Currency) shown
	// with Precision decimal places (2 when unset).
	Currency FieldType = "currency"
	// Percent is a number stored as a fraction (0.25) and written as a
	// percentage ("25%").
	Percent FieldType = "percent"
	// Date is a calendar day (no time of day, no zone) between 0001-01-01
	// and 9999-12-31.
	Date FieldType = "date"
	// DateTime is an instant, to the second, kept in UTC.
	DateTime FieldType = "datetime"
	// Checkbox is a boolean.
	Checkbox FieldType = "checkbox"
	// Choice is one value out of the field's Choices list.
	Choice FieldType = "choice"
	// MultiChoice is a set of values out of the field's Choices list.
	MultiChoice FieldType = "multichoice"
	// Person is a workspace member or a server user, stored as its parts
	// (reference, e-mail, display name).
	Person FieldType = "person"
	// Lookup is a record of a tool (Field.LookupTool), by record ID.
	Lookup FieldType = "lookup"
	// URL is a single-line absolute http, https, ftp or mailto address.
	URL FieldType = "url"
	// Email is a single-line e-mail address (local@domain).
	Email FieldType = "email"
	// Phone is a single-line telephone number: digits, spaces, ( ) . - /
	// and a leading +.
	Phone FieldType = "phone"
	// AutoNumber is computed: the record's position in its tool's creation
	// order, starting at 1.
	AutoNumber FieldType = "autonumber"
	// CreatedBy is computed: the member whose device created the record.
	CreatedBy FieldType = "createdby"
	// CreatedAt is computed: when the record was created.
	CreatedAt FieldType = "createdat"
	// ModifiedBy is computed: the author of the record's newest change.
	ModifiedBy FieldType = "modifiedby"
	// ModifiedAt is computed: when the record last changed.
	ModifiedAt FieldType = "modifiedat"
)

// typeInfo describes one field type.
type typeInfo struct {
	code  byte      // binary field layout type code
	kind  valueKind // the kind of stored value; kindEmpty for computed types
	label string    // what users read
	cap   int       // text types: default and largest MaxLength
}

// types is the table of field types, in the order FieldTypes lists them.
var types = []struct {
	t FieldType
	typeInfo
}{
	{Text, typeInfo{1, kindText, "Text", DefaultMaxLength}},
	{LongText, typeInfo{2, kindText, "Long text", DefaultLongTextMaxLength}},
	{Number, typeInfo{3, kindNumber, "Number", 0}},
	{Date, typeInfo{4, kindDate, "Date", 0}},
	{Checkbox, typeInfo{5, kindCheckbox, "Check box", 0}},
	{Choice, typeInfo{6, kindChoice, "Choice", 0}},
	{Currency, typeInfo{7, kindNumber, "Currency", 0}},
	{Percent, typeInfo{8, kindNumber, "Percent", 0}},
	{DateTime, typeInfo{9, kindDateTime, "Date and time", 0}},
	{MultiChoice, typeInfo{10, kindMulti, "Multiple choice", 0}},
	{Person, typeInfo{11, kindPerson, "Person", 0}},
	{Lookup, typeInfo{12, kindLookup, "Lookup", 0}},
	{URL, typeInfo{13, kindText, "URL", MaxURLLength}},
	{Email, typeInfo{14, kindText, "E-mail", MaxEmailLength}},
	{Phone, typeInfo{15, kindText, "Phone", MaxPhoneLength}},
	{AutoNumber, typeInfo{16, kindEmpty, "Auto number", 0}},
	{CreatedBy, typeInfo{17, kindEmpty, "Created by", 0}},
	{CreatedAt, typeInfo{18, kindEmpty, "Created at", 0}},
	{ModifiedBy, typeInfo{19, kindEmpty, "Modified by", 0}},
	{ModifiedAt, typeInfo{20, kindEmpty, "Modified at", 0}},
}

// Length caps of the specialised text types, in runes.
const (
	// MaxURLLength is the longest URL value.
	MaxURLLength = 2000
	// MaxEmailLength is the longest e-mail address (RFC 5321).
	MaxEmailLength = 254
	// MaxPhoneLength is the longest phone number.
	MaxPhoneLength = 50
)

var (
	typeByName = func() map[FieldType]typeInfo {
		m := make(map[FieldType]typeInfo, len(types))
		for _, t := range types {
			m[t.t] = t.typeInfo
		}
		return m
	}()
	typeByCode = func() map[byte]FieldType {
		m := make(map[byte]FieldType, len(types))
		for _, t := range types {
			m[t.code] = t.t
		}
		return m
	}()
)

// FieldTypes returns every field type, in the order a designer offers them.
func FieldTypes() []FieldType {
	out := make([]FieldType, len(types))
	for i, t := range types {
		out[i] = t.t
	}
	return out
}

// Valid reports whether t is one of the known field types.
func (t FieldType) Valid() bool { _, ok := typeByName[t]; return ok }

// Label returns the type's name as users read it ("Long text"), or the
// raw string for unknown types.
func (t FieldType) Label() string {
	if info, ok := typeByName[t]; ok {
		return info.label
	}
	return string(t)
}

// Computed reports whether fields of type t hold no stored values: their
// values are derived from the record's metadata (AutoNumber, CreatedBy,
// CreatedAt, ModifiedBy, ModifiedAt).
func (t FieldType) Computed() bool {
	info, ok := typeByName[t]
	return ok && info.kind == kindEmpty
}

// IsText reports whether t stores text: Text, LongText, URL, Email, Phone.
func (t FieldType) IsText() bool { return typeByName[t].kind == kindText }

// IsNumber reports whether t stores numbers: Number, Currency, Percent.
func (t FieldType) IsNumber() bool { return typeByName[t].kind == kindNumber }

// HasChoices reports whether t takes a Choices list: Choice, MultiChoice.
func (t FieldType) HasChoices() bool { return t == Choice || t == MultiChoice }

// isText is IsText, kept for brevity inside the package.
func (t FieldType) isText() bool { return t.IsText() }

// singleLine reports whether values of text type t must not contain line
// breaks (every text type but LongText).
func (t FieldType) singleLine() bool { return t.IsText() && t != LongText }

// lengthCap returns the default and largest rune limit of a text type, and
// 0 for other types.
func (t FieldType) lengthCap() int { return typeByName[t].cap }

// valueKind returns the kind of value fields of type t store; kindEmpty for
// computed and unknown types.
func (t FieldType) valueKind() valueKind { return typeByName[t].kind }
