// Package connect is the client side of connected mode: it binds a
// workspace to a Grove server (sync/server) and runs the push/pull cycle
// that keeps the workspace's records and the server's list items in step.
//
// # Translation
//
// Each server list is mirrored by a local tool whose ID and field IDs are
// derived from the server's identity, the list ID and the internal names,
// so every member that connects builds the same tool. Local field names come
// from a name map (schema/wireform.NameMap): a server field named like a
// name Grove reserves (CreatedBy, Modified, ...) gets an alias
// ("CreatedBy (server)"). Values cross in the server's wire forms and are
// kept locally as typed parts in the field types wireform.FieldType gives
// (Directory.ToLocal, Directory.ToWire):
//
//	server kind   wire form                 local value
//	person        "123;#john@company.com"   schema.PersonParts: ID "user:123",
//	                                        e-mail (or, for a login that is
//	                                        not one, the name), display name
//	                                        from the user list
//	lookup        "7;#Acme Corp"            the record of item 7 of the
//	                                        target list (LookupList by ID;
//	                                        the server stores the ID even
//	                                        when a design names the list)
//	multichoice   ";#Red;#Blue;#"           schema multi-choice (a set)
//	url           "https://x, Description"  the URL as schema URL text
//	datetime      "2024-05-01T10:30:00Z"    schema date-time
//	number, boolean, date, choice, text, note: the Grove type of that name
//
// What the typed value does not hold lives in the workspace's Directory,
// kept in the binding and refreshed by every Sync: the server's users
// (GET /v1/users), which record each server item is (learnt from pulled
// items and push results; a lookup of an item not pulled yet gets a
// deterministic placeholder record and its item ID and display text are
// kept), and the spelling of wire forms a value does not fix (a
// multi-choice's order, a URL's description). ToWire therefore gives back
// exactly the wire form ToLocal read (FuzzToLocalToWire), and spells new
// values as the server expects: multi-choices in the field's choice
// order, lookups with the item's display text (its first field). A local
// value that cannot travel yet (a lookup of a record the server does not
// have, a person who is not a server user: ErrUntranslatable) keeps its
// record pending; lists that lookups point into sync first, so a new
// target record usually has its item ID before the lookup goes.
//
// # The cycle
//
// Sync pulls the server's changes since the stored change token, pushes the
// local versions the server has not seen (the replica keeps the server's
// knowledge like a partner's), and pulls again. A pushed value carries its
// origin — the Grove version (replica, tick, clock) and the context it was
// made in — so the server can tell a change made knowing its current value
// from a conflict, and can hand the same version back to every member: the
// same change reaching the server by two members is one item, one version.
// The record UUID is the idempotency key of creates.
//
// A refused change (server rule, permission, conflict) comes back in the
// per-item report with the server's state of the item, re-stamped by the
// server's clock: the client marks its versions refused (kept, never
// deleted) and applies the server's, which win; the new server versions make
// the units sync to peers again, carrying the refusal mark.
//
// # The design is the server's
//
// Connect records the connection in the workspace's design scope (the
// server's device ID and public key, replica.RecordConnection: a manager's
// change that syncs to every member), so every replica knows the workspace
// is connected, peers that never talked to the server too. From then on,
// on every replica, the store refuses local design edits (ApplyDesign,
// PutTool, the designer) with replica.ErrConnected, and Apply refuses a
// peer's batch whose design items are not the server's with
// replica.ErrUnsignedDesign, like a role refusal (nothing of the batch is
// applied; the sync session reports the error): a bound tool's design item
// carries the signed server list design it mirrors, and every replica
// checks the signature with the connection's key and that the tool is
// exactly that design's deterministic mirror (schema/wireform.MirrorTool,
// SigningBytes, VerifyDesign — pure code the store and the server share).
//
// Each Sync first fetches the signed list designs. A list whose design
// version is newer than the one its tool holds is applied through the
// store's safe design change (replica.ApplyServerDesign: clone, load the
// current design, apply, migrate and validate every record, merge in one
// transaction, with the signed design in the tool's item), then reaches
// peers by ordinary peer sync, where the signature verifies. A design that
// does not fit the records (a field retyped to number while records hold
// text) leaves production byte for byte unchanged; the rejection is
// recorded (replica.DesignRejections, source "server"), counted in the
// Report, remembered in the binding and not tried again; data keeps
// syncing on the design the replica has until the next version. Only a
// manager's device authors server designs (the new design versions are
// its own, and peers accept designs from managers); a participant's
// client leaves them to a manager's device and follows by peer sync. The
// binding's translation (field IDs, kinds) always follows the signed
// design the local tool holds.
//
// # Automatic sync
//
// A Runner (started by the running instance, app/cli.StartNetwork, for
// both `grove run` and the desktop app) syncs every connected workspace
// that has a binding and a stored access token: a moment after local
// changes (it compares the scopes' knowledge every Poll), every Interval
// (30 s: pulling by change token), and on Nudge, with exponential backoff
// while the server is unreachable. Runner.Status and OnStatus give the
// app the last sync, the last error and the refused counts; the running
// instance uses OnStatus to pass on what a sync brought (items, a design
// version, refusals) to the workspace's peers at once, as after a local
// change. The access
// token is a secret kept beside the binding on this device
// (replica.Store.SetServerToken), never in design data.
package connect
