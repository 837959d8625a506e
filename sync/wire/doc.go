// Package wire is the byte format of Grove's sync protocol: length-prefixed
// frames carrying typed messages. It knows nothing of the store; the session
// layer converts between these wire types and the domain's.
//
// # Frames
//
//	[4]byte  length n of what follows, big-endian, 1 <= n <= MaxFrame
//	byte     message type
//	[n-1]    message body
//
// A frame longer than MaxFrame is refused before anything is allocated
// (ErrFrameTooLarge). Every decoder is strict: unknown types, truncated or
// trailing bytes, non-minimal varints and out-of-range values are errors
// wrapping ErrMalformed.
//
// # Replica definitions
//
// Versions and knowledge name replicas by small numbers scoped to one
// direction of one connection. A message that mentions a replica for the
// first time carries its definition first:
//
//	uvarint  definitions
//	per definition: [16]byte replica ID, [32]byte device ID
//
// Definitions number the replicas 0, 1, 2... in the order sent on that
// direction of the connection.
//
// # Messages
//
// Hello (1), first on each side of a connection:
//
//	[5]byte "GROVE"; uvarint protocol version; uvarint oldest version
//	accepted; uvarint the port the sender accepts sync connections on (0:
//	none)
//
// Sync (2), client to server, asking for one two-way (or one-way) session:
//
//	defs; [16]byte workspace; [16]byte mapping; byte direction (1 both,
//	2 push: client sends only, 3 pull: client receives only);
//	uvarint scope count, per scope: byte scope, knowledge (the client's)
//
// Join (3), client to server, instead of Sync for an invited device:
//
//	[16]byte workspace; [32]byte invitation secret; uvarint length, the
//	joiner's name
//
// Batch (4), from a session's source:
//
//	defs; byte scope; uvarint item count; per item: [16]byte item ID,
//	uvarint unit count; per unit: [16]byte unit ID, uvarint version count;
//	per version: uvarint replica, uvarint tick, [8]byte HLC BE, byte flags,
//	uvarint value length, value; then uvarint context count, per entry
//	uvarint replica, uvarint tick
//
// Done (5), ends a source's sending:
//
//	defs; uvarint scope count, per scope: byte scope, knowledge (the
//	source's snapshot, to be merged by the destination)
//
// Ack (6), the server's last word on a session: uvarint versions applied,
// uvarint conflicts.
//
// Refuse (7), either side, ends the session or connection:
//
//	uvarint code; uvarint length, UTF-8 message
//
// Accepted (8), server to client after Join: uvarint role; uvarint length,
// workspace name.
//
// Status (9), client to server: defs; [16]byte workspace; scopes with the
// client's knowledge, as in Sync.
//
// StatusReply (10): defs; uvarint n, then n uvarints (per scope, how many
// of the server's changes the client lacks); scopes with the server's
// knowledge, in the same order.
//
// Knowledge is replica/knowledge's encoding with definition numbers as keys.
package wire
