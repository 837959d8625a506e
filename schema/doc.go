// Package schema defines the designs of Grove tools: a [Tool] is a record
// type (ordered, typed [Field]s), [View]s, [Form]s and tool-level [Rule]s,
// each element with an ID stable for its whole life. It also defines the
// [Value]s records hold, the rules that validate them, the small
// expression language of rules and view filters, the comparison of two
// designs ([Diff]) and the migration of records from one design to the
// next ([PlanMigration], [ConvertValue]), and the encodings used to store,
// sync and exchange all of it. It is pure Go with no dependency on the UI
// or the store.
//
// # Field types
//
// Stored types: text (one line), longtext, number, currency, percent,
// date, datetime, checkbox, choice, multichoice, person, lookup, url,
// email, phone. Computed types, which hold no stored value and are derived
// from the record's metadata ([RecordMeta], [Tool.WithComputed]):
// autonumber, createdby, createdat, modifiedby, modifiedat.
//
//	type         value kind     notes
//	text         text           no line breaks; ≤ 10,000 runes (MaxLength lowers it)
//	longtext     text           ≤ 100,000 runes
//	url          text           absolute http, https, ftp (with host) or mailto; ≤ 2,000
//	email        text           local@domain.tld; ≤ 254
//	phone        text           digits, spaces, ( ) . - /, leading +, ≥ 3 digits; ≤ 50
//	number       number         finite float64; Min, Max, Precision
//	currency     number         Precision 2 unless set; Currency code ("EUR")
//	percent      number         stored as the fraction (0.125), written "12.5%"
//	date         date           a calendar day, 0001-01-01..9999-12-31
//	datetime     date-time      an instant to the second, UTC
//	checkbox     checkbox       true/false
//	choice       choice         one of Choices
//	multichoice  multi-choice   a set of Choices (no ';' in them)
//	person       person         member or server user, stored as its parts
//	lookup       lookup         a record ID of LookupTool
//	autonumber   (computed)     position in the tool's creation order, from 1
//	createdby    (computed)     the creating member, as a person
//	createdat    (computed)     creation time, as a date-time
//	modifiedby   (computed)     author of the newest change, as a person
//	modifiedat   (computed)     time of the newest change, as a date-time
//
// # Fields, values and rules
//
// Per field: name, description, required, default, hidden, and the rules
// its type allows: min/max (number types), maxLength and pattern (text
// types), choices (choice types), precision (number types), unique
// (all stored types but longtext, checkbox and multichoice). Across
// fields, a tool's rules are expressions every record must satisfy (see
// "Expressions"). A record is a map from field ID to [Value]; the zero
// Value is the empty value and means "absent". [ParseValue] turns the
// command-line text form ("FIELD=VALUE") into a Value, [Value.String] and
// the field-aware [Field.Format] turn it back; [ValueFromJSON] and
// [Value.JSON] do the same for JSON. [Field.Validate] and
// [Tool.ValidateRecord] apply the rules and report violations as
// [*RuleError] / [*ValidationError], both matching errors.Is(err,
// [ErrInvalidValue]); the rule names are the Rule* constants. Required is
// enforced when a record is written, not on records a design change finds
// without the value (they are asked for it at their next edit). Unique is
// checked by the store across the tool's live records ([UniqueKey]).
// [Tool.Check] validates a design itself (and [CheckWorkspace] what spans
// tools: lookups); their errors wrap [ErrInvalidDesign].
//
// # Expressions
//
// Tool rules and view filters use one small language: comparisons,
// and/or/not, field references, literals and a few functions. There is no
// arithmetic, no assignment, no loop and no user function: an expression
// is a test on one record, evaluated in time linear in its size.
//
//	expr     = and { "or" and }
//	and      = not { "and" not }
//	not      = "not" not | cmp
//	cmp      = operand [ ( "=" | "!=" | "<" | "<=" | ">" | ">=" ) operand ]
//	operand  = number | string | "true" | "false" | field | call | "(" expr ")"
//	number   = [ "-" ] digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]
//	string   = '"' { character | '\"' | '\\' | '\n' | '\t' | '\r' } '"'
//	field    = identifier | "{" name "}" | "{#" field-id "}"
//	call     = function "(" [ expr { "," expr } ] ")"
//
// Keywords and function names are case-insensitive. A field is written by
// name: bare when the name is an identifier (letters, digits and '_', not
// starting with a digit, not a keyword), otherwise in braces, with '\'
// escaping '}', '\' and a leading '#': {Due date}, {Estimate (h)}. Stored
// designs keep expressions in canonical form with references by ID
// ({#6f1c…}), so renaming a field never breaks them; [Tool.FormatExpr]
// shows them with names. Comparisons do not chain (a < b < c is an
// error). Limits: MaxExprBytes, MaxExprDepth, MaxExprNodes.
//
//	function          takes                              gives
//	empty(x)          any                                true if x is empty
//	len(x)            text, multichoice                  runes, items (0 if empty)
//	lower(x) upper(x) text                               text
//	contains(a, b)    text or multichoice, then text     substring / item, ignoring case
//	date("…")         string literal YYYY-MM-DD          date
//	datetime("…")     string literal (RFC 3339 etc.)     date-time
//	today() now()     -                                  date / date-time (filters only)
//	days(a, b)        dates or date-times                days from a to b
//
// Types are checked against the tool: text (also choice, url, email,
// phone), number (also currency, percent, autonumber), date, date-time
// (also createdat, modifiedat), true/false (checkbox), multichoice,
// person (also createdby, modifiedby), lookup. Both sides of a comparison
// must have the same type, except that dates and date-times compare (a
// date is its midnight UTC), a string literal compared with a date becomes
// a date, a string literal compared with a choice field must be one of
// its choices, and a person or lookup equals a text that is its
// reference, e-mail or name (record ID). Ordering applies to numbers, text
// (case-insensitive), dates and date-times. Text equality ignores case.
// Comparisons with an empty value are false, except that two empty values
// are equal (so `x != y` is true when one is empty); an empty checkbox is
// false. Guard optional fields: `empty(End) or End >= Start`. Rules must
// be true/false, deterministic (no today()/now()) and may not use computed
// fields; filters may.
//
// # Design JSON format
//
// Designs are exchanged (templates, design export/import) as JSON: one
// tool object, or a design document {"tools": [tool, …]} for several. A
// tool:
//
//	{
//	  "id": "6f1c1f0e-2b7c-4e44-9d35-0a8f3c2b9e01",
//	  "name": "Events",
//	  "description": "What happens when.",
//	  "fields": [
//	    {"id": "…", "name": "Title", "type": "text", "required": true, "maxLength": 200, "unique": true},
//	    {"id": "…", "name": "Starts", "type": "datetime", "required": true},
//	    {"id": "…", "name": "Ends", "type": "datetime"},
//	    {"id": "…", "name": "Kind", "type": "choice", "choices": ["Talk", "Party"], "default": "Talk"},
//	    {"id": "…", "name": "Fee", "type": "currency", "currency": "EUR", "min": 0},
//	    {"id": "…", "name": "Host", "type": "person", "description": "Who runs it."},
//	    {"id": "…", "name": "Venue", "type": "lookup", "lookup": {"tool": "Places", "display": "Name"}},
//	    {"id": "…", "name": "No", "type": "autonumber"}
//	  ],
//	  "views": [
//	    {"id": "…", "name": "Calendar", "type": "calendar", "date": "Starts", "end": "Ends"},
//	    {"id": "…", "name": "Talks", "type": "table", "columns": ["No", "Title", "Starts"],
//	     "sort": [{"field": "Starts", "desc": true}], "filter": "Kind = \"Talk\"", "group": "Host"},
//	    {"id": "…", "name": "Board", "type": "board", "board": "Kind", "private": true, "owner": "member:…"}
//	  ],
//	  "forms": [
//	    {"id": "…", "name": "Event", "sections": [
//	      {"title": "When", "fields": [{"field": "Title", "label": "Name"}, {"field": "Starts"}]},
//	      {"fields": [{"field": "No", "readOnly": true}]}]}
//	  ],
//	  "rules": [
//	    {"id": "…", "name": "Ends after start", "expr": "empty(Ends) or Ends >= Starts",
//	     "message": "It cannot end before it starts."}
//	  ]
//	}
//
// Tool keys: "id", "name", "description", "fields", "views", "forms",
// "rules". Field keys: "id", "name", "type" (a type above), "required",
// "description", "hidden", "unique", "default" (the value in JSON form: a
// string in the text form, a number — a percent's fraction —, true or
// false, or a list of choices; persons, lookups and computed fields have
// no default), "min" and "max" (number types),
// "precision" (0..10, number types), "currency" (three capital letters,
// currency), "maxLength" (text types), "pattern" (RE2, matched against
// the whole value, text types), "choices" (choice types), "lookup"
// ({"tool": tool id or name, "display": field id or name}). View keys:
// "id", "name", "type" (table, calendar, board), "private" and "owner" (a
// "member:DEVICE-ID" reference), "columns" (empty: every field not
// hidden), "sort" ([{"field", "desc"}], at most 8), "filter" (an
// expression), "group" (table), "date" and "end" (calendar: date,
// datetime, createdat or modifiedat fields), "board" (board: a choice
// field). Form keys: "id", "name", "sections" ([{"title", "fields":
// [{"field", "label", "readOnly"}]}]). Rule keys: "id", "name", "expr",
// "message". Optional keys may be omitted; zero values mean "no
// constraint". Field references (columns, sort, group, date, end, board,
// form fields) and the names in expressions are field names (or ids) as
// the document names the fields; [ParseDesignJSON] also accepts the names
// the current design uses, so renaming a field in an exported file keeps
// the references to it. Lookups to other tools name them by id, or by name
// within the document or the workspace.
//
// [ParseToolJSON] and [ParseDesignJSON] are strict: at most
// [MaxDesignJSONBytes], lists of at most 1,000 elements, nesting at most
// 10 deep, exactly one object, no unknown, duplicate or differently-cased
// keys, and the result must pass [Tool.Check]. Ids: a missing or empty
// "id" is filled with a fresh random UUID, so files that must yield stable
// ids (templates) contain fixed ids; present ids must be in the canonical
// 36-character form and not reserved (first 15 bytes zero). Every element
// ID of a tool (fields, views, forms, rules) is distinct. [Tool.MarshalJSON]
// writes a tool with field references and expressions by name (lookups by
// id), [MarshalDesignJSON] a design document; parsing either back gives an
// equal design.
//
// # Design changes
//
// [Diff] lists what changed between two designs, element by element
// (matched by ID: a renamed field is a rename), with the [Effect] of each
// change on existing records: none, hide (a removed field: values kept
// out of sight, back when the field is restored), clear (a field made
// computed), check (a new or stricter rule: every record is checked) or
// convert (a new type or coarser precision: every value is converted).
// [PlanMigration] carries records over: [ConvertValue] documents which
// conversions exist and which fail (text that is not a number, a choice
// that no longer exists, a multi-choice becoming a single choice, …).
// The store runs it on a clone of the workspace and commits only if every
// record fits (package replica, ApplyDesign).
//
// # Binary value layout
//
// [Value.AppendBinary] / [DecodeValue] use a compact canonical layout: one
// tag byte, then a payload. "uvarint" and "varint" are encoding/binary's
// unsigned and zigzag-signed varints and must be minimal (no trailing 0x00
// continuation bytes); "string" is a uvarint length then that many bytes
// of valid UTF-8.
//
//	tag  kind              payload
//	0x00 empty             none (the encoding is the single byte 0x00)
//	0x01 text              uvarint n (1..MaxValueBytes), n bytes of valid UTF-8
//	0x02 choice            same as text
//	0x03 number, integral  varint i, |i| <= 2^53 (every finite integral
//	                       number in that range, including 0, uses this form)
//	0x04 number, other     8 bytes: IEEE-754 float64 bits, big-endian; finite,
//	                       not integral within ±2^53 (those use 0x03)
//	0x05 date              varint days since 1970-01-01, within int32
//	0x06 checkbox          1 byte: 0x00 false, 0x01 true
//	0x07 date-time         varint seconds since 1970-01-01T00:00:00Z,
//	                       0001-01-01T00:00:00Z..9999-12-31T23:59:59Z
//	0x08 multi-choice      uvarint count (1..MaxChoices), then count strings
//	                       (1..400 bytes each), strictly ascending bytewise
//	0x09 person            three strings: reference (≤ 120 bytes: "" or
//	                       member:… / user:…), e-mail (≤ 254), display name
//	                       (≤ 800); reference or e-mail non-empty; trimmed
//	0x0a lookup            16 bytes: the record ID, not nil
//
// Examples: empty = 00; TextValue("hi") = 01 02 68 69; NumberValue(42) =
// 03 54; NumberValue(1.5) = 04 3f f8 00 00 00 00 00 00; DateDays(-1) =
// 05 01; BoolValue(true) = 06 01; DateTimeSeconds(60) = 07 78;
// MultiChoiceValue("B", "A") = 08 02 01 41 01 42. The decoder rejects
// unknown tags, truncated or trailing bytes, empty or oversized text,
// invalid UTF-8, non-minimal varints, NaN, infinities, non-canonical
// number forms, unsorted or repeated items and untrimmed person parts, so
// every accepted input re-encodes to the same bytes.
//
// # Binary element layouts
//
// Each design element is stored as one change unit (package replica);
// its first byte tells its kind and format ([KindOf], [CheckElement]).
// [Field.AppendBinary] / [DecodeField], format version 1 (fields that use
// only the first properties are always written in it):
//
//	offset  size  content
//	0       1     format version, 0x01
//	1       16    field ID (UUID bytes)
//	17      var   name: uvarint n (<= 400), n bytes UTF-8
//	        1     type code: 1 text, 2 longtext, 3 number, 4 date,
//	              5 checkbox, 6 choice
//	        1     flags: bit 0 required, bit 1 min present, bit 2 max
//	              present; bits 3-7 must be 0
//	        8     min: float64 bits, big-endian (only if bit 1)
//	        8     max: float64 bits, big-endian (only if bit 2)
//	        var   maxLength: uvarint (<= DefaultLongTextMaxLength)
//	        var   pattern: uvarint n (<= MaxPatternBytes), n bytes UTF-8
//	        var   choices: uvarint count (<= MaxChoices), then count times
//	              uvarint n (<= 400), n bytes UTF-8
//
// Format version 2 (first byte 0x02) is used exactly when a field needs
// it: type codes 7 currency, 8 percent, 9 datetime, 10 multichoice,
// 11 person, 12 lookup, 13 url, 14 email, 15 phone, 16 autonumber,
// 17 createdby, 18 createdat, 19 modifiedby, 20 modifiedat; flags become
// a uvarint with bit 3 hidden, bit 4 unique, bit 5 precision present,
// bit 6 default present, bit 7 lookup display present; after the choices
// follow: description (string, <= 4,000 bytes), precision (1 byte, if
// bit 5), currency (string, 0 or 3 bytes), default (uvarint n, then an n
// byte value encoding, if bit 6), lookup tool (16 bytes, lookup fields
// only), lookup display (16 bytes, if bit 7). A version 2 encoding of a
// field that fits version 1 is refused.
//
// Views ([View.AppendBinary] / [DecodeView]):
//
//	0x10 | ID (16) | name (string) | type (1: 1 table, 2 calendar, 3 board)
//	| flags (1: bit 0 private) | owner (string, <= 120) | columns: uvarint
//	count (<= MaxFields), count IDs | sort: uvarint count (<= 8), count
//	times ID (16) + descending (1: 0/1) | filter (string, <= MaxExprBytes)
//	| group ID (16) | date field ID (16) | end field ID (16) | board field
//	ID (16); unused IDs are zero
//
// Forms ([Form.AppendBinary] / [DecodeForm]):
//
//	0x11 | ID (16) | name (string) | uvarint section count (1..50), each:
//	title (string) | uvarint item count (<= MaxFields), each: field ID (16)
//	| label (string) | read-only (1: 0/1)
//
// Rules ([Rule.AppendBinary] / [DecodeRule]):
//
//	0x12 | ID (16) | name (string) | expression (string, <= MaxExprBytes)
//	| message (string, <= 800)
//
// Beyond the structure, the decoders check what can be checked without
// the rest of the tool (names, types, expression syntax); field
// references are checked when the tool is assembled ([Tool.Check]).
package schema
