package replica

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grove-team/grove/replica/identity"
	bolt "go.etcd.io/bbolt"
)

// MaxNameRunes bounds device, workspace and member names.
const MaxNameRunes = 100

// Init creates the device identity on first use: an ed25519 key pair and the
// given name (a default from the host name when empty). It is idempotent: on
// an initialized store it keeps the key and only renames the device when
// name is not empty.
func (s *Store) Init(name string) (Device, error) {
	name = strings.TrimSpace(name)
	if err := checkName(name, true); err != nil {
		return Device{}, fmt.Errorf("init device: %w", err)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDevice)
		if b.Get(keyKey) == nil {
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return fmt.Errorf("generate device key: %w", err)
			}
			if err := b.Put(keyKey, priv.Seed()); err != nil {
				return err
			}
			if err := b.Put(keyCreated, binary.BigEndian.AppendUint64(nil, uint64(s.now().UnixMilli()))); err != nil {
				return err
			}
			if name == "" {
				name = defaultDeviceName()
			}
		}
		if name != "" {
			return b.Put(keyName, []byte(name))
		}
		return nil
	})
	if err != nil {
		return Device{}, fmt.Errorf("init device: %w", err)
	}
	return s.Device()
}

// Device returns the device identity, or ErrNotInitialized.
func (s *Store) Device() (Device, error) {
	var d Device
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		d, err = readDevice(tx)
		return err
	})
	return d, err
}

func readDevice(tx *bolt.Tx) (Device, error) {
	b := tx.Bucket(bucketDevice)
	seed := b.Get(keyKey)
	if seed == nil {
		return Device{}, ErrNotInitialized
	}
	if len(seed) != ed25519.SeedSize {
		return Device{}, fmt.Errorf("device key of %d bytes: %w", len(seed), ErrCorrupt)
	}
	key := ed25519.NewKeyFromSeed(seed)
	d := Device{
		ID:   identity.FromPublicKey(key.Public().(ed25519.PublicKey)),
		Name: string(b.Get(keyName)),
		Key:  key,
	}
	if c := b.Get(keyCreated); len(c) == 8 {
		d.Created = time.UnixMilli(int64(binary.BigEndian.Uint64(c))).UTC()
	}
	return d, nil
}

// checkName validates a user-given name.
func checkName(name string, allowEmpty bool) error {
	switch {
	case name == "" && !allowEmpty:
		return fmt.Errorf("name is empty: %w", ErrInvalidInput)
	case !utf8.ValidString(name):
		return fmt.Errorf("name is not valid UTF-8: %w", ErrInvalidInput)
	case utf8.RuneCountInString(name) > MaxNameRunes:
		return fmt.Errorf("name longer than %d characters: %w", MaxNameRunes, ErrInvalidInput)
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("name contains control characters: %w", ErrInvalidInput)
	}
	return nil
}
