package replica

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/grove-team/grove/replica/identity"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the store's file inside the data folder.
const FileName = "grove.db"

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Timeout bounds the wait for the file lock; after it Open returns
	// ErrDataFolderInUse. Default 1 s.
	Timeout time.Duration
	// Clock returns wall-clock time; tests inject it. Default time.Now.
	Clock func() time.Time
	// NoSync skips fsync on commit. Only for benchmarks and tests that
	// measure something else: a crash may lose acknowledged writes.
	NoSync bool
}

// Store is one device's replica store: a single bbolt file holding the device
// identity and every workspace replica. It is safe for concurrent use; bbolt
// serialises writers.
type Store struct {
	db    *bolt.DB
	path  string
	clock *hlcClock
	now   func() time.Time
}

// Open opens (creating if needed) the store in the data folder dir, creates
// every bucket and applies pending migrations in one transaction. A second
// process opening the same folder gets ErrDataFolderInUse after the timeout.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open replica store: create data folder: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync, FreelistType: bolt.FreelistMapType, InitialMmapSize: initialMmapSize})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open replica store %s: %w", path, ErrDataFolderInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("open replica store %s: %w", path, err)
	}
	s := &Store{db: db, path: path, clock: newHLCClock(opts.Clock), now: opts.Clock}
	if err := db.Update(migrate); err != nil {
		db.Close()
		return nil, fmt.Errorf("open replica store %s: %w", path, err)
	}
	if err := db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketDevice).Get(keyLastHLC); len(b) == 8 {
			s.clock.Observe(HLC(binary.BigEndian.Uint64(b)))
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("open replica store %s: %w", path, err)
	}
	return s, nil
}

// Path returns the store's file path.
func (s *Store) Path() string { return s.path }

// Close closes the store. It waits for running transactions.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close replica store: %w", err)
	}
	return nil
}

// Check runs bbolt's consistency check over the whole file and returns the
// first problem found.
func (s *Store) Check() error {
	return s.db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("check replica store: %w", err)
		}
		return nil
	})
}

// Device is this installation's identity.
type Device struct {
	ID      identity.DeviceID
	Name    string
	Key     ed25519.PrivateKey
	Created time.Time
}
