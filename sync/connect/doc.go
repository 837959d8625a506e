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
// ("CreatedBy (server)"). Values cross in the server's wire forms:
// text, number, boolean, date and choice become Grove values of those types;
// person, lookup, multi-choice, URL and date-time values are kept locally as
// text holding their exact wire form (lossless; wireform decodes their parts
// for display and indexing) until schema's own kinds for them are stable.
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
package connect
