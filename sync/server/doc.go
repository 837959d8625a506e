// Package server is the Grove server (`grove serve`): a headless list
// service that a workspace can be bound to (connected mode, see
// sync/connect). It keeps its own model, distinct from a client's replica:
//
//   - lists, each with fields named by server internal names (a title "Due
//     Date" is the internal name "Due_x0020_Date", schema/wireform), server
//     rules the clients do not know (an e-mail domain allow-list, fields
//     unique across the list, a maximum number of items per user), and a
//     design version signed with the server's ed25519 key;
//   - items with an integer ID, a version (the change token of their last
//     change, the item's etag), values in the string wire forms, and per
//     field the version, hybrid-logical-clock stamp and origin (the Grove
//     replica version it came from) of its value, so that a change
//     reaching the server by several routes is recognised and not
//     duplicated;
//   - a change log with change tokens, users with access tokens, and
//     permissions per user and list (read, edit, design);
//   - refused changes: an update the server rejects is kept, marked
//     invalid with its reason, never deleted, and listed by the API.
//
// The HTTP + JSON API is documented in API.md beside this file.
//
// # Store
//
// One bbolt file, server.db, in the data folder. Values are JSON: the
// server's model is small, inspected by administrators, and versioned by its
// own "format" key; the replica's compact binary layout is not needed here.
//
//	meta/format, meta/token, meta/hlc    format; last change token; last HLC
//	meta/key, meta/cert                  ed25519 seed; TLS certificate (DER)
//	users/<id 8 BE>                      User
//	tokens/<sha256 of access token>      user ID (8 BE)
//	lists/<id 8 BE>                      List (design, rules, signature)
//	list-names/<lower-case name>         list ID
//	perms/<list 8><user 8>               one byte: Perm bits
//	list-<id>/items/<item 8 BE>          Item
//	list-<id>/keys/<key 16>              item ID: the idempotency key index
//	list-<id>/log/<token 8 BE>           item ID; only each item's latest
//	list-<id>/unique/<field>\x00<value>  item ID (lower-cased text values)
//	list-<id>/owned/<user 8>             uint64: live items the user created
//	list-<id>/refused/<seq 8 BE>         Refused
//	list-<id>/refused-ids/<change id>    seq: a retried refusal is kept once
//
// # Transactions
//
// A batch of updates is one write transaction: every item is validated
// before its write, and a refused item does not stop the others (each gets
// its own result). Reads (design, changes) are read transactions.
package server
