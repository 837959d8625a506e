// Package knowledge implements replica knowledge for Grove's multi-master
// sync, in the style of the Microsoft Sync Framework: a version vector
// extended with exception ranges.
//
// # Model
//
// A version is a pair (replica key, tick). The replica key is a uint32 local
// index of a replica (key 0 is a valid key); the tick is a per-replica
// sequence number starting at 1. Tick 0 is never a valid tick: every
// operation that would add tick 0 is a no-op, and the encoding rejects it.
//
// The knowledge of a replica is the set of versions it has seen. For each
// replica key it holds a [RangeSet]: a set of ticks stored as sorted,
// disjoint, non-adjacent inclusive [Range] values (adjacent or overlapping
// ranges are always merged, so every set has exactly one representation).
// The version-vector part of a set is its prefix [1..n], reported by
// [RangeSet.Prefix]; every range after the prefix is an exception.
//
// Replicas whose set is empty are absent: a [Knowledge] never stores an empty
// set, and two knowledges are equal exactly when they contain the same
// versions.
//
// A nil *RangeSet and a nil *Knowledge behave as empty sets for every
// read-only method and may be passed wherever another set or knowledge is
// read. Mutating methods need a non-nil receiver. Neither type is safe for
// concurrent use when one goroutine mutates it; concurrent reads are safe.
//
// # Binary encoding
//
// [Knowledge.AppendBinary] and [Knowledge.MarshalBinary] produce, and
// [Parse] and [ParsePrefix] accept, the following byte sequence. Every
// integer is an unsigned LEB128 varint as written by
// [encoding/binary.AppendUvarint]: 7 bits per byte, least significant group
// first, high bit set on every byte but the last, at most 10 bytes. Varints
// must be minimal: a varint longer than one byte must not end in a 0x00 byte.
//
//	knowledge = count entry{count}
//	entry     = keyDelta nranges range{nranges}
//	range     = loDelta span
//
// The fields, in order:
//
//   - count: the number of replicas with a non-empty set, at most
//     [MaxReplicas]. The empty knowledge is the single byte 0x00.
//   - Then one entry per replica, in strictly ascending key order.
//   - keyDelta: for the first entry, the replica key itself (which may be 0);
//     for every later entry, the key minus the previous entry's key, which
//     must be at least 1 (0 would repeat a replica). The key must fit in a
//     uint32.
//   - nranges: the number of ranges in the replica's set, at least 1 (empty
//     sets are never encoded). The total over all entries is at most
//     [MaxRanges].
//   - Then one range per set range [Lo, Hi], in ascending order.
//   - loDelta: for the first range of an entry, Lo itself, which must be at
//     least 1 (0 would be tick 0); for every later range, Lo minus the
//     previous range's Hi, which must be at least 2 (0 would overlap the
//     previous range, 1 would be adjacent to it). Lo must fit in a uint64.
//   - span: Hi minus Lo. Hi must fit in a uint64.
//
// Nothing follows the last range: [Parse] rejects trailing bytes, while
// [ParsePrefix] stops there and reports how many bytes it consumed.
//
// Example: {1:[1-10,12-14] 2:[1-3]} encodes as the 11 bytes
//
//	02                count: 2 replicas
//	01 02             replica 1 (keyDelta 1), 2 ranges
//	01 09             [1-10]:  Lo 1,       span 9
//	02 02             [12-14]: Lo 10+2=12, span 2
//	01 01             replica 2 (keyDelta 1), 1 range
//	01 02             [1-3]:   Lo 1,       span 2
//
// Because every value has exactly one accepted encoding, the encoding is
// canonical: for any b that [Parse] accepts, AppendBinary(nil) of the result
// returns exactly b. Equal knowledges therefore encode to equal bytes.
//
// Parsing is strict and bounded. Counts are checked against the bytes
// remaining before anything is allocated for them (an entry needs at least 4
// bytes, a range at least 2) and against [MaxReplicas] and [MaxRanges], so
// the memory Parse allocates is proportional to the length of its input and a
// short hostile input cannot cause a large allocation. All parse errors wrap
// [ErrMalformed] and name the replica and range where decoding failed, e.g.
// "knowledge: replica 7 range 2: adjacent to previous range ending at 40:
// malformed knowledge".
package knowledge
