package replica

import (
	"encoding/binary"
	"fmt"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// Top-level buckets and keys. See doc.go for the full layout.
var (
	bucketMeta       = []byte("meta")
	bucketDevice     = []byte("device")
	bucketWorkspaces = []byte("workspaces")
	bucketWS         = []byte("ws")

	keyFormat  = []byte("format")
	keyKey     = []byte("key")
	keyName    = []byte("name")
	keyCreated = []byte("created")
	keyLastHLC = []byte("hlc")
)

// Buckets inside one workspace's bucket (ws/<workspace ID>/).
var (
	wsReplicas   = []byte("replicas")    // replica key (4) -> replica UUID (16) + device ID (32)
	wsReplicaIDs = []byte("replica-ids") // replica UUID (16) -> replica key (4)
	wsConflicts  = []byte("conflicts")   // scope (1) + item (16) + unit (16) -> empty
	wsTombstones = []byte("tombstones")  // record ID (16) -> HLC of the delete (8)
	wsByTool     = []byte("by-tool")     // tool ID (16) + record ID (16) -> empty
	wsRefused    = []byte("refused")     // scope (1) + item (16) + unit (16) + replica (4) + tick (8) -> reason
	wsMembers    = []byte("members")     // device ID (32) -> member
	wsMappings   = []byte("mappings")    // mapping ID (16) -> mapping
	wsPeers      = []byte("peers")       // device ID (32) -> last known address
)

// keyInviter, in a workspace's bucket, holds the device ID of the manager
// whose invitation this replica accepted: trusted as a manager until the
// synced membership names it.
var keyInviter = []byte("inviter")

// Buckets and keys inside one scope's bucket (ws/<id>/scope-<name>/).
var (
	scItems     = []byte("items")     // item ID (16) -> item encoding
	scLog       = []byte("log")       // replica key (4) + tick (8) -> item ID (16)
	scMeta      = []byte("meta")      // "tick", "knowledge"
	keyTick     = []byte("tick")      // uint64 big-endian: this replica's last tick
	keyKnowledg = []byte("knowledge") // knowledge encoding
)

// Scope is a part of a workspace with its own ticks, log and knowledge.
type Scope uint8

// The scopes of a workspace.
const (
	// ScopeDesign holds the tools' designs.
	ScopeDesign Scope = 1
	// ScopeData holds the records.
	ScopeData Scope = 2
)

// Scopes lists every scope in a fixed order.
var Scopes = []Scope{ScopeDesign, ScopeData}

// String returns the scope's name.
func (s Scope) String() string {
	switch s {
	case ScopeDesign:
		return "design"
	case ScopeData:
		return "data"
	}
	return fmt.Sprintf("scope(%d)", uint8(s))
}

// ParseScope parses a scope name.
func ParseScope(name string) (Scope, error) {
	for _, s := range Scopes {
		if s.String() == name {
			return s, nil
		}
	}
	return 0, fmt.Errorf("parse scope %q: %w", name, ErrNoScope)
}

func (s Scope) bucketName() []byte { return []byte("scope-" + s.String()) }

// formatVersion is the store format this code writes; migrations bring older
// files up to it.
const formatVersion = 1

// migrations[i] brings a store from format i to i+1. Each runs inside the one
// transaction Open uses, so a crash leaves the file at the old format.
var migrations = []func(tx *bolt.Tx) error{
	// 0 -> 1: the initial layout.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketDevice, bucketWorkspaces, bucketWS} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	},
}

// migrate creates the meta bucket and applies pending migrations.
func migrate(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("create meta bucket: %w", err)
	}
	var have uint64
	if b := meta.Get(keyFormat); b != nil {
		if len(b) != 8 {
			return fmt.Errorf("format marker of %d bytes: %w", len(b), ErrCorrupt)
		}
		have = binary.BigEndian.Uint64(b)
	}
	if have > uint64(len(migrations)) {
		return fmt.Errorf("format %d, this Grove knows up to %d: %w", have, len(migrations), ErrTooNew)
	}
	for i := have; i < uint64(len(migrations)); i++ {
		if err := migrations[i](tx); err != nil {
			return fmt.Errorf("migrate format %d to %d: %w", i, i+1, err)
		}
	}
	return meta.Put(keyFormat, binary.BigEndian.AppendUint64(nil, uint64(len(migrations))))
}

// createWorkspaceBuckets creates the nested buckets of a new workspace.
func createWorkspaceBuckets(tx *bolt.Tx, id uuid.UUID) (*bolt.Bucket, error) {
	wb, err := tx.Bucket(bucketWS).CreateBucket(id[:])
	if err != nil {
		return nil, fmt.Errorf("create workspace bucket: %w", err)
	}
	for _, name := range [][]byte{wsReplicas, wsReplicaIDs, wsConflicts, wsTombstones, wsByTool, wsRefused, wsMappings, wsPeers} {
		if _, err := wb.CreateBucket(name); err != nil {
			return nil, fmt.Errorf("create workspace bucket %s: %w", name, err)
		}
	}
	for _, sc := range Scopes {
		sb, err := wb.CreateBucket(sc.bucketName())
		if err != nil {
			return nil, fmt.Errorf("create scope %s: %w", sc, err)
		}
		for _, name := range [][]byte{scItems, scLog, scMeta} {
			if _, err := sb.CreateBucket(name); err != nil {
				return nil, fmt.Errorf("create scope %s bucket %s: %w", sc, name, err)
			}
		}
	}
	return wb, nil
}

// logKey builds the change-log key of a version: replica key then tick, both
// big-endian, so a cursor Seek to (replica, tick) walks that replica's later
// changes in order.
func logKey(r uint32, t uint64) []byte {
	var k [12]byte
	binary.BigEndian.PutUint32(k[:4], r)
	binary.BigEndian.PutUint64(k[4:], t)
	return k[:]
}

func u32key(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
