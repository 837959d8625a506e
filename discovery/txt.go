package discovery

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/grove-team/grove/replica/identity"
)

// The TXT record of a Grove service has exactly three entries:
//
//	v=<protocol version>    decimal, 1–9999, no sign, no leading zero
//	id=<device ID>          the canonical text form of identity.DeviceID
//	                        (52 base32 characters in four dash-separated groups)
//	inst=<instance ID>      16 lower-case hex digits, random per process start
//
// About 90 bytes in all. The sync port travels in the SRV record, as DNS-SD
// intends. Nothing secret, no workspace or member data: anyone on the link
// can read it.
//
// TXT is untrusted input. parseTXT is strict about values and lenient about
// the record: keys compare case-insensitively (RFC 6763 §6.4), only the first
// occurrence of a key counts, entries with unknown keys or without "=" are
// ignored, and a known key whose first value does not parse counts as absent.
const (
	txtVersion  = "v"
	txtDevice   = "id"
	txtInstance = "inst"

	// maxTXTEntries bounds the work done on one record; a Grove record has 3.
	maxTXTEntries = 32
	// instanceIDLen is the length of the hex instance ID (8 random bytes).
	instanceIDLen = 16
	maxVersion    = 9999
)

// txtRecord is the decoded TXT record of a Grove announcement.
type txtRecord struct {
	Version  int
	Device   identity.DeviceID
	Instance string
}

// strings encodes r as TXT entries.
func (r txtRecord) strings() []string {
	return []string{
		txtVersion + "=" + strconv.Itoa(r.Version),
		txtDevice + "=" + r.Device.String(),
		txtInstance + "=" + r.Instance,
	}
}

// parseTXT decodes the TXT entries of an announcement. It returns ErrBadTXT
// when a required key is missing or its value is malformed.
func parseTXT(entries []string) (txtRecord, error) {
	first := firstValues(entries)
	var r txtRecord
	var ok bool
	if r.Version, ok = parseVersion(first[txtVersion]); !ok {
		return txtRecord{}, fmt.Errorf("key %q: %w", txtVersion, ErrBadTXT)
	}
	if r.Device, ok = parseDevice(first[txtDevice]); !ok {
		return txtRecord{}, fmt.Errorf("key %q: %w", txtDevice, ErrBadTXT)
	}
	if r.Instance, ok = parseInstanceID(first[txtInstance]); !ok {
		return txtRecord{}, fmt.Errorf("key %q: %w", txtInstance, ErrBadTXT)
	}
	return r, nil
}

// firstValues returns the first value of each known key. A missing key maps
// to "" which no value parser accepts.
func firstValues(entries []string) map[string]string {
	first := make(map[string]string, 3)
	seen := make(map[string]bool, 3)
	for i, e := range entries {
		if i == maxTXTEntries {
			break
		}
		key, value, found := strings.Cut(e, "=")
		if !found {
			continue
		}
		key = strings.ToLower(key)
		if seen[key] {
			continue
		}
		seen[key] = true
		switch key {
		case txtVersion, txtDevice, txtInstance:
			first[key] = value
		}
	}
	return first
}

func parseVersion(s string) (int, bool) {
	if len(s) == 0 || len(s) > 4 || s[0] == '0' || !allIn(s, "0123456789") {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	return v, err == nil && v >= 1 && v <= maxVersion
}

// parseDevice accepts only the canonical text form, so one device has one
// spelling on the wire.
func parseDevice(s string) (identity.DeviceID, bool) {
	if len(s) != 55 {
		return identity.DeviceID{}, false
	}
	id, err := identity.ParseDeviceID(s)
	if err != nil || id.String() != s || id.IsZero() {
		return identity.DeviceID{}, false
	}
	return id, true
}

func parseInstanceID(s string) (string, bool) {
	return s, len(s) == instanceIDLen && allIn(s, "0123456789abcdef")
}

func allIn(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}
