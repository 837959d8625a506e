package discovery

import (
	"strings"

	"github.com/grove-team/grove/replica/identity"
	"github.com/miekg/dns"
)

// Goodbyes.
//
// A responder that stops cleanly multicasts its records once more with TTL
// 0 (RFC 6762 §10.1). The pinned library's browser deletes such records
// without telling us, so the goodbye listener reads the mDNS packets itself
// and parseGoodbyes extracts what they say about _grove._tcp instances:
//
//   - the PTR _grove._tcp.local. -> <instance>._grove._tcp.local. names the
//     instance (the label in miekg/dns presentation format, see name.go);
//   - the SRV of that instance names its host, <device-id>.local.;
//   - the TXT of that instance, when present, carries the device ID and the
//     per-process instance ID (txt.go), so a goodbye of a process that has
//     already been replaced by a newer one does not remove the newer one.
//
// Only responses count, only records in the answer section, only TTL 0.
// A probe (a query whose authority section carries the records) and the
// service-type enumeration PTR (_services._dns-sd._udp.local.) say nothing
// about an instance leaving. Anything that does not unpack is ignored: the
// packet is untrusted input, like every announcement.

// maxGoodbyes bounds the goodbyes taken from one packet; a Grove responder
// sends one.
const maxGoodbyes = 8

// goodbye is one instance that announced it is leaving.
type goodbye struct {
	// label is the instance label in presentation format, as the browser
	// reports it in ServiceEntry.Instance.
	label string
	// host is the SRV target (e.g. "abcd….local."), "" when the packet has
	// no SRV goodbye for the instance.
	host string
	// device and instance come from a TXT goodbye that parses; zero and ""
	// otherwise.
	device   identity.DeviceID
	instance string
}

// serviceName is the DNS-SD service name of Grove, fully qualified.
const serviceName = serviceType + "." + domain

// parseGoodbyes returns the _grove._tcp instances that packet pkt says
// goodbye for, at most maxGoodbyes, in the order of their first record.
// Malformed packets, queries and records with a TTL above 0 yield nothing.
func parseGoodbyes(pkt []byte) []goodbye {
	var msg dns.Msg
	if err := msg.Unpack(pkt); err != nil || !msg.Response {
		return nil
	}
	var out []goodbye
	index := map[string]int{} // lower-case label -> position in out
	add := func(label string) *goodbye {
		key := strings.ToLower(label)
		if i, ok := index[key]; ok {
			return &out[i]
		}
		if len(out) >= maxGoodbyes {
			return nil
		}
		index[key] = len(out)
		out = append(out, goodbye{label: label})
		return &out[len(out)-1]
	}
	for _, rr := range msg.Answer {
		if rr.Header().Ttl != 0 || rr.Header().Class&^qClassCacheFlush != dns.ClassINET {
			continue
		}
		switch rr := rr.(type) {
		case *dns.PTR:
			if !strings.EqualFold(rr.Hdr.Name, serviceName) {
				continue
			}
			if label, ok := instanceOf(rr.Ptr); ok {
				add(label)
			}
		case *dns.SRV:
			if label, ok := instanceOf(rr.Hdr.Name); ok && rr.Target != "" {
				if g := add(label); g != nil {
					g.host = rr.Target
				}
			}
		case *dns.TXT:
			if label, ok := instanceOf(rr.Hdr.Name); ok {
				rec, err := parseTXT(rr.Txt)
				if g := add(label); g != nil && err == nil {
					g.device, g.instance = rec.Device, rec.Instance
				}
			}
		}
	}
	return out
}

// qClassCacheFlush is the mDNS cache-flush bit of a record's class
// (RFC 6762 §10.2); SRV and TXT goodbyes carry it.
const qClassCacheFlush = 1 << 15

// instanceOf returns the instance label of a service instance name
// "<label>._grove._tcp.local.": exactly one non-empty label, in
// presentation format, before the service name.
func instanceOf(name string) (string, bool) {
	const suffix = "." + serviceName
	if len(name) <= len(suffix) || !strings.EqualFold(name[len(name)-len(suffix):], suffix) {
		return "", false
	}
	label := name[:len(name)-len(suffix)]
	if _, err := unescapeLabel(label); err != nil || dns.CountLabel(label+".") != 1 {
		return "", false
	}
	return label, true
}

// matches reports whether peer p is the instance g says goodbye for: the
// same instance label, and the same host and per-process instance when g
// names them (names compare case-insensitively, as in DNS).
func (g goodbye) matches(p Peer) bool {
	if !strings.EqualFold(g.label, p.label) {
		return false
	}
	if g.host != "" && !strings.EqualFold(g.host, p.host) {
		return false
	}
	if !g.device.IsZero() && g.device != p.Device {
		return false
	}
	return g.instance == "" || g.instance == p.Instance
}

// specific reports whether g names more than the instance label, which
// device names make ambiguous.
func (g goodbye) specific() bool {
	return g.host != "" || !g.device.IsZero() || g.instance != ""
}
