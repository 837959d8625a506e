package discovery

import (
	"net/netip"
	"slices"
	"time"

	"github.com/grove-team/grove/replica/identity"
)

// Peer is another Grove device seen on the local network. Everything in it
// comes from an unauthenticated announcement: the device ID is a claim that
// only the TLS handshake of a sync connection proves.
type Peer struct {
	// Device is the device ID the peer announced in its TXT record.
	Device identity.DeviceID
	// Name is the device name, taken from the service instance name with the
	// " (SHORTID)" suffix removed; cleaned for display, never empty.
	Name string
	// Addrs are the peer's addresses that lie on the configured interfaces:
	// IPv4 first, then IPv6, link-local IPv6 last and with a zone. Treat the
	// slice as read-only.
	Addrs []netip.Addr
	// Port is the sync port from the SRV record.
	Port int
	// Instance is the peer's per-process instance ID; a new one means the
	// peer restarted.
	Instance string
	// Version is the protocol version the peer announced.
	Version int
	// LastSeen is when an announcement of the peer was last received,
	// according to Config.Now.
	LastSeen time.Time

	// label (the service instance label in presentation format) and host
	// (the SRV target) are what the peer announced under; goodbyes name
	// them (goodbye.go).
	label, host string
}

// Addresses returns the peer's addresses as "host:port" strings ready to
// dial, IPv4 first, IPv6 link-local addresses with their zone
// ("[fe80::1%eth0]:7000").
func (p Peer) Addresses() []string {
	out := make([]string, 0, len(p.Addrs))
	for _, a := range sortAddrs(p.Addrs) {
		out = append(out, netip.AddrPortFrom(a, uint16(p.Port)).String())
	}
	return out
}

// sameAnnouncement reports whether p and q announce the same thing, ignoring
// LastSeen.
func (p Peer) sameAnnouncement(q Peer) bool {
	return p.Device == q.Device && p.Name == q.Name && p.Port == q.Port &&
		p.Instance == q.Instance && p.Version == q.Version && slices.Equal(p.Addrs, q.Addrs)
}

// clone returns a copy of p that shares no memory with it.
func (p Peer) clone() Peer {
	p.Addrs = slices.Clone(p.Addrs)
	return p
}

// addrRank orders address families for dialling: IPv4, then routable IPv6,
// then link-local IPv6 (which needs a zone and is the least portable).
func addrRank(a netip.Addr) int {
	switch {
	case a.Is4():
		return 0
	case !a.IsLinkLocalUnicast():
		return 1
	default:
		return 2
	}
}

// sortAddrs returns a sorted, de-duplicated copy of addrs in dialling order.
func sortAddrs(addrs []netip.Addr) []netip.Addr {
	out := slices.Clone(addrs)
	slices.SortStableFunc(out, func(a, b netip.Addr) int {
		if ra, rb := addrRank(a), addrRank(b); ra != rb {
			return ra - rb
		}
		return a.Compare(b)
	})
	return slices.Compact(out)
}
