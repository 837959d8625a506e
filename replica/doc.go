// Package replica is Grove's store: one bbolt file per device holding the
// device identity and this device's replica of every workspace it belongs
// to, as versioned change units.
//
// # Model
//
// A workspace's content is split into scopes (design, data), each with its
// own tick counter, change log and knowledge. A scope holds items (a record,
// a tool's design); an item holds change units (one per field, plus an
// existence unit for create/delete). A unit's state is its set of concurrent
// versions, winner first (highest hybrid-logical-clock timestamp, then
// highest replica ID, so every replica shows the same winner), plus its
// causal context: the versions of it that were superseded. A version is
// (replica, tick) with an HLC timestamp, flags and the value bytes; a local
// edit of several fields of one item uses one tick for all of them.
//
// Knowledge is the set of versions a replica has seen, per replica a range
// set of ticks (replica/knowledge). Sync enumerates the changes a partner's
// knowledge lacks by walking the log from that partner's contiguous tick
// for each replica, so its cost grows with the changes, not the workspace.
//
// # Buckets and keys
//
//	meta/format                  uint64 BE: store format (numbered migrations)
//	device/key                   ed25519 seed (32 bytes)
//	device/name, device/created  device name; creation time (uint64 BE ms)
//	device/hlc                   last HLC issued or observed (uint64 BE)
//	workspaces/<ws 16>           workspace header (name, created, replica ID)
//	ws/<ws 16>/replicas/<k 4 BE> replica ID (16) + device ID (32); k is the
//	                             replica's local key, 1 = this device
//	ws/<ws>/replica-ids/<id 16>  local key (4 BE)
//	ws/<ws>/scope-<name>/items/<item 16>         item encoding (item.go)
//	ws/<ws>/scope-<name>/log/<k 4 BE><tick 8 BE> item ID: only versions some
//	                                             unit still holds
//	ws/<ws>/scope-<name>/meta/tick, /knowledge   last local tick; knowledge
//	ws/<ws>/conflicts/<scope 1><item 16><unit 16>  units with losers
//	ws/<ws>/tombstones/<record 16>               HLC of the delete
//	ws/<ws>/by-tool/<tool 16><record 16>         live records of a tool
//	ws/<ws>/members/<device 32>                  member name and role
//	ws/<ws>/mappings/<mapping 16>                sync mapping
//	ws/<ws>/peers/<device 32>                    last address that worked
//	ws/<ws>/refused/...                          changes a server refused
//	ws/<ws>/design-rejections/<tool 16>          last refused design change
//	                                             of a tool (design_rejections.go)
//	ws/<ws>/design-rejections/held/<tool 16><k 4 BE><tick 8 BE>  unit (16):
//	                                             versions of a refused peer
//	                                             design, never claimed by the
//	                                             knowledge (design_peer.go)
//
// Record IDs are UUIDv7, so new records and their index entries append at
// the end of their buckets.
//
// # Designs
//
// A tool's design is one item of the design scope: one unit per property
// (name, element orders) and one per element (field, view, form, rule), so
// design edits merge and conflict unit by unit like records (design.go).
// Every design change goes through the safe design change of ApplyDesign
// (design_apply.go): the new design is tried on a copy-on-write snapshot
// of the workspace (a read transaction: the clone), every record of the
// changed tools is migrated and checked in memory, every view, form and
// lookup must resolve; only then does one write transaction commit the
// design and the migrated records (new local versions, so they sync). A
// refused change writes nothing but its rejection record.
//
// A design that arrives from a peer (Apply, design scope) goes through the
// same check inside the batch's transaction (design_peer.go): an item whose
// merged tool this replica's records do not fit is refused alone, recorded
// with source "peer", and its versions held back from the knowledge so the
// next sync offers it again. A receiver writes no record versions: the
// author's migrated records arrive by sync and supersede the old ones, so
// every replica holds the same versions and no migration conflicts.
//
// # Transactions
//
// Every local edit is one bbolt write transaction: the unit, the tick, the
// log and the knowledge change together or not at all. Every incoming sync
// batch is one transaction too. Input is validated before anything is
// written; a refused edit or batch leaves the file as it was. No bbolt byte
// slice escapes its transaction, and enumeration reads in short
// transactions, never holding one while batches travel.
package replica
