package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/grove-team/grove/replica/identity"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the server's store file in its data folder.
const FileName = "server.db"

// ErrDataFolderInUse is returned by Open when another process (a running
// `grove serve`) holds the store.
var ErrDataFolderInUse = errors.New("server data folder in use by another process")

var (
	bMeta      = []byte("meta")
	bUsers     = []byte("users")
	bTokens    = []byte("tokens")
	bLists     = []byte("lists")
	bListNames = []byte("list-names")
	bPerms     = []byte("perms")

	lItems      = []byte("items")
	lKeys       = []byte("keys")
	lLog        = []byte("log")
	lUnique     = []byte("unique")
	lOwned      = []byte("owned")
	lRefused    = []byte("refused")
	lRefusedIDs = []byte("refused-ids")

	kFormat = []byte("format")
	kToken  = []byte("token")
	kHLC    = []byte("hlc")
	kKey    = []byte("key")
	kCert   = []byte("cert")
)

const storeFormat = 1

// Options tune Open.
type Options struct {
	// Timeout bounds the wait for the file lock (default 1 s).
	Timeout time.Duration
	// Now is the wall clock (default time.Now).
	Now func() time.Time
	// NoSync skips fsync (tests and benchmarks only).
	NoSync bool
}

// Store is the server's store. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	now  func() time.Time
	key  ed25519.PrivateKey
	cert []byte // DER
	dev  identity.DeviceID

	mu      sync.Mutex // guards lastHLC
	lastHLC uint64
}

// Open opens or creates the server store in dir, creating the server's key
// and self-signed certificate on first use.
func Open(dir string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open server store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open server store %s: %w", path, ErrDataFolderInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("open server store %s: %w", path, err)
	}
	s := &Store{db: db, now: opts.Now}
	if err := db.Update(s.init); err != nil {
		db.Close()
		return nil, fmt.Errorf("open server store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

func (s *Store) init(tx *bolt.Tx) error {
	for _, n := range [][]byte{bMeta, bUsers, bTokens, bLists, bListNames, bPerms} {
		if _, err := tx.CreateBucketIfNotExists(n); err != nil {
			return err
		}
	}
	m := tx.Bucket(bMeta)
	if f := m.Get(kFormat); f != nil && binary.BigEndian.Uint64(f) > storeFormat {
		return fmt.Errorf("server store format %d is newer than this Grove's %d", binary.BigEndian.Uint64(f), storeFormat)
	}
	if err := m.Put(kFormat, u64(storeFormat)); err != nil {
		return err
	}
	if seed := m.Get(kKey); len(seed) == ed25519.SeedSize {
		s.key = ed25519.NewKeyFromSeed(seed)
	} else {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		s.key = key
		if err := m.Put(kKey, key.Seed()); err != nil {
			return err
		}
	}
	s.dev = identity.FromPublicKey(s.key.Public().(ed25519.PublicKey))
	if c := m.Get(kCert); c != nil {
		s.cert = append([]byte(nil), c...)
	} else {
		der, err := selfSigned(s.key, s.dev)
		if err != nil {
			return err
		}
		s.cert = der
		if err := m.Put(kCert, der); err != nil {
			return err
		}
	}
	if h := m.Get(kHLC); len(h) == 8 {
		s.lastHLC = binary.BigEndian.Uint64(h)
	}
	return nil
}

// selfSigned makes the server's long-lived certificate: stored once, so its
// fingerprint stays pinned across restarts.
func selfSigned(key ed25519.PrivateKey, dev identity.DeviceID) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "grove-server " + dev.String()},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              time.Now().Add(20 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create server certificate: %w", err)
	}
	return der, nil
}

// Device returns the server's device ID (the hash of its public key).
func (s *Store) Device() identity.DeviceID { return s.dev }

// PublicKey returns the key that signs designs.
func (s *Store) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Fingerprint returns the SHA-256 of the built-in certificate, as clients pin
// it: lower-case hex.
func (s *Store) Fingerprint() string { return Fingerprint(s.cert) }

// Fingerprint returns the pinning fingerprint of a DER certificate.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return fmt.Sprintf("%x", sum)
}

// ServerReplica returns the replica UUID under which clients record values
// the server itself stamped in a list: the same on every client.
func ServerReplica(dev identity.DeviceID, list int64) uuid.UUID {
	return uuid.NewSHA1(serverNS, append(dev[:], u64(uint64(list))...))
}

var serverNS = uuid.MustParse("0b7f3c36-5a7e-4f43-9a55-2f8e9e2a61c4")

// nextHLC returns a hybrid-logical-clock stamp above every stamp issued or
// observed (at least min), the same format as replica.HLC.
func (s *Store) nextHLC(min uint64) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	wall := uint64(s.now().UnixMilli()) << 16
	next := max(wall, s.lastHLC+1, min+1)
	s.lastHLC = next
	return next
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func nextToken(tx *bolt.Tx) (int64, error) {
	m := tx.Bucket(bMeta)
	var t uint64
	if v := m.Get(kToken); len(v) == 8 {
		t = binary.BigEndian.Uint64(v)
	}
	t++
	return int64(t), m.Put(kToken, u64(t))
}

func currentToken(tx *bolt.Tx) int64 {
	if v := tx.Bucket(bMeta).Get(kToken); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

func getJSON(b *bolt.Bucket, k []byte, v any) (bool, error) {
	raw := b.Get(k)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", k, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, raw)
}

// checkName validates user and list names.
func checkName(what, name string) error {
	if name == "" || len(name) > 200 || !utf8.ValidString(name) || strings.TrimSpace(name) != name || strings.ContainsAny(name, "\x00\r\n\t") {
		return fmt.Errorf("%s name %q: 1 to 200 characters, no control characters or padding: %w", what, name, ErrInvalid)
	}
	return nil
}

// AddUser creates a user and returns it with a new access token. The token
// is shown once; the server keeps only its hash.
func (s *Store) AddUser(name, email string, admin bool) (User, string, error) {
	if err := checkName("user", name); err != nil {
		return User{}, "", err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return User{}, "", err
	}
	token := "grv_" + base64.RawURLEncoding.EncodeToString(raw)
	var u User
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bUsers)
		dup := false
		if err := b.ForEach(func(_, v []byte) error {
			var o User
			if err := json.Unmarshal(v, &o); err != nil {
				return err
			}
			dup = dup || strings.EqualFold(o.Name, name)
			return nil
		}); err != nil {
			return err
		}
		if dup {
			return fmt.Errorf("user %q: %w", name, ErrExists)
		}
		id, err := b.NextSequence()
		if err != nil {
			return err
		}
		u = User{ID: int64(id), Name: name, Email: email, Admin: admin}
		if err := putJSON(b, u64(id), u); err != nil {
			return err
		}
		h := sha256.Sum256([]byte(token))
		return tx.Bucket(bTokens).Put(h[:], u64(id))
	})
	if err != nil {
		return User{}, "", fmt.Errorf("add user: %w", err)
	}
	return u, token, nil
}

// Authenticate returns the user an access token belongs to.
func (s *Store) Authenticate(token string) (User, error) {
	var u User
	err := s.db.View(func(tx *bolt.Tx) error {
		h := sha256.Sum256([]byte(token))
		id := tx.Bucket(bTokens).Get(h[:])
		if id == nil {
			return ErrUnauthorized
		}
		ok, err := getJSON(tx.Bucket(bUsers), id, &u)
		if err == nil && !ok {
			err = ErrUnauthorized
		}
		return err
	})
	return u, err
}

// Users lists the users (the user list clients resolve persons with).
func (s *Store) Users() ([]User, error) {
	var out []User
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bUsers).ForEach(func(_, v []byte) error {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// FindUser returns a user by name (case-insensitive) or decimal ID.
func (s *Store) FindUser(ref string) (User, error) {
	us, err := s.Users()
	if err != nil {
		return User{}, err
	}
	for _, u := range us {
		if strings.EqualFold(u.Name, ref) || fmt.Sprint(u.ID) == ref {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("user %q: %w", ref, ErrNotFound)
}

// Grant sets a user's permissions on a list (replacing the previous ones).
func (s *Store) Grant(user, list int64, p Perm) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bUsers).Get(u64(uint64(user))) == nil {
			return fmt.Errorf("grant: user %d: %w", user, ErrNotFound)
		}
		if tx.Bucket(bLists).Get(u64(uint64(list))) == nil {
			return fmt.Errorf("grant: list %d: %w", list, ErrNotFound)
		}
		return tx.Bucket(bPerms).Put(permKey(list, user), []byte{byte(p)})
	})
}

func permKey(list, user int64) []byte {
	return append(u64(uint64(list)), u64(uint64(user))...)
}

// permOf returns a user's permissions on a list inside tx.
func permOf(tx *bolt.Tx, u User, list int64) Perm {
	if u.Admin {
		return PermRead | PermEdit | PermDesign
	}
	if v := tx.Bucket(bPerms).Get(permKey(list, u.ID)); len(v) == 1 {
		return Perm(v[0])
	}
	return 0
}
