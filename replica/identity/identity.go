// Package identity defines a device's identity: an ed25519 key pair and the
// device ID derived from its public key.
//
// A device ID is the SHA-256 of the ed25519 public key. Its text form is the
// 52-character unpadded base32 encoding of those 32 bytes, split into four
// groups of thirteen by dashes, e.g.
//
//	MFRGGZDFMZTWQ-2LKNNWG23TPAY-TOMRZGQ3DMNZY-HA4TAMBSGMZTI
//
// Parsing is case-insensitive and ignores dashes and spaces, so an ID read
// aloud or pasted with different grouping still parses.
package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
)

// DeviceID identifies one installation of Grove. It is derived from the
// device's public key, so a TLS peer proves its device ID by its certificate.
type DeviceID [32]byte

// ErrBadDeviceID is returned by ParseDeviceID when the text is not a device ID.
var ErrBadDeviceID = errors.New("not a device ID")

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// FromPublicKey derives the device ID of an ed25519 public key.
func FromPublicKey(pub ed25519.PublicKey) DeviceID {
	return DeviceID(sha256.Sum256(pub))
}

// String returns the grouped base32 form of the ID.
func (d DeviceID) String() string {
	s := encoding.EncodeToString(d[:])
	return s[0:13] + "-" + s[13:26] + "-" + s[26:39] + "-" + s[39:52]
}

// Short returns the first group of the text form, for display where space is
// tight. It is not unique enough to identify a device on its own.
func (d DeviceID) Short() string { return d.String()[:13] }

// IsZero reports whether d is the zero ID (no device).
func (d DeviceID) IsZero() bool { return d == DeviceID{} }

// MarshalText implements encoding.TextMarshaler.
func (d DeviceID) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *DeviceID) UnmarshalText(b []byte) error {
	id, err := ParseDeviceID(string(b))
	if err != nil {
		return err
	}
	*d = id
	return nil
}

// ParseDeviceID parses the text form of a device ID.
func ParseDeviceID(s string) (DeviceID, error) {
	clean := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(s))
	if len(clean) != 52 {
		return DeviceID{}, fmt.Errorf("parse device ID %q: %d characters, want 52: %w", s, len(clean), ErrBadDeviceID)
	}
	b, err := encoding.DecodeString(clean)
	if err != nil || len(b) != 32 {
		return DeviceID{}, fmt.Errorf("parse device ID %q: %w", s, ErrBadDeviceID)
	}
	var d DeviceID
	copy(d[:], b)
	// Reject non-canonical encodings (stray low bits in the last character).
	if encoding.EncodeToString(d[:]) != clean {
		return DeviceID{}, fmt.Errorf("parse device ID %q: non-canonical: %w", s, ErrBadDeviceID)
	}
	return d, nil
}
