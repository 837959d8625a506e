// Package wireform is Grove's side of the server's string wire forms: the
// multi-representative types. A value that travels to and from a Grove
// server as one string (a person "123;#john@company.com", a lookup
// "7;#Acme Corp", a multi-choice ";#Red;#Blue;#", an ISO 8601 date, a URL
// "https://x, Description") is decoded into its typed parts and reassembled
// into exactly the same string: for every form Parse accepts, String gives
// back the input byte for byte. Parsers are strict (one canonical spelling per
// value) precisely so that the round trip is lossless; a malformed form gets
// an error that says what is wrong and wraps ErrMalformed.
//
// MirrorTool builds the local tool of a list; LocalType and FieldType say
// which Grove field type holds each kind (typed parts for person, lookup,
// multi-choice, URL and date-time; a lookup whose LookupList does not name
// its list by ID is kept as text holding the wire form).
//
// It also holds the server's internal field names (InternalName: "Due Date"
// travels as "Due_x0020_Date") and the NameMap that aliases server names
// colliding with names a Grove client reserves.
//
// # Wire forms
//
//	kind         example                        parts
//	text, note   any UTF-8 without NUL           the string
//	number       "42", "-1.5", "1e+21"          float64, strconv 'g'-shortest
//	boolean      "1", "0"                       bool
//	date         "2024-05-01"                   calendar day
//	datetime     "2024-05-01T10:30:00Z"         UTC instant, seconds
//	choice       "Red"                          the choice
//	multichoice  ";#Red;#Blue;#"                the choices, in order; a ';'
//	                                            inside a choice is doubled
//	person       "123;#john@company.com"        user ID (> 0), login (no
//	                                            control characters)
//	lookup       "7;#Acme Corp"                 item ID (> 0), display value
//	url          "https://x/a,,b, Description"  URL (commas doubled), text;
//	                                            ", " separates them and is
//	                                            omitted with no description
//
// The empty string is the empty value of every kind.
//
// Pure Go: no store, no network.
package wireform
