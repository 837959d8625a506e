package replica

import (
	"encoding/binary"
	"fmt"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	bolt "go.etcd.io/bbolt"
)

// ReplicaRef names a replica by its ID and the device that holds it.
type ReplicaRef struct {
	ID     uuid.UUID
	Device identity.DeviceID
}

// registerReplica stores the mapping between a local replica key and a
// replica's ID and device.
func registerReplica(wb *bolt.Bucket, key uint32, id uuid.UUID, dev identity.DeviceID) error {
	v := make([]byte, 0, 48)
	v = append(v, id[:]...)
	v = append(v, dev[:]...)
	if err := wb.Bucket(wsReplicas).Put(u32key(key), v); err != nil {
		return fmt.Errorf("register replica %s: %w", id, err)
	}
	if err := wb.Bucket(wsReplicaIDs).Put(id[:], u32key(key)); err != nil {
		return fmt.Errorf("register replica %s: %w", id, err)
	}
	return nil
}

// replicaKey returns the local key of replica ref, registering it when it is
// new. A known replica ID claimed for a different device is refused.
func replicaKey(wb *bolt.Bucket, ref ReplicaRef) (uint32, error) {
	if v := wb.Bucket(wsReplicaIDs).Get(ref.ID[:]); v != nil {
		if len(v) != 4 {
			return 0, fmt.Errorf("replica index of %s: %w", ref.ID, ErrCorrupt)
		}
		key := binary.BigEndian.Uint32(v)
		have, err := replicaInfo(wb, key)
		if err != nil {
			return 0, err
		}
		if have.Device != ref.Device {
			return 0, fmt.Errorf("replica %s belongs to device %s, not %s: %w", ref.ID, have.Device.Short(), ref.Device.Short(), ErrInvalidInput)
		}
		return key, nil
	}
	b := wb.Bucket(wsReplicas)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("register replica %s: %w", ref.ID, err)
	}
	// Key 1 is the local replica, registered explicitly first.
	key := uint32(seq) + 1
	if seq >= 1<<32-2 {
		return 0, fmt.Errorf("register replica %s: too many replicas: %w", ref.ID, ErrInvalidInput)
	}
	return key, registerReplica(wb, key, ref.ID, ref.Device)
}

// replicaInfo returns the replica behind a local key.
func replicaInfo(wb *bolt.Bucket, key uint32) (ReplicaRef, error) {
	v := wb.Bucket(wsReplicas).Get(u32key(key))
	if len(v) != 48 {
		return ReplicaRef{}, fmt.Errorf("replica key %d: %w", key, ErrCorrupt)
	}
	var r ReplicaRef
	copy(r.ID[:], v[:16])
	copy(r.Device[:], v[16:])
	return r, nil
}
