package discovery

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/grandcat/zeroconf"
)

// ParseInterfaces parses a list of interface names separated by commas
// and/or white space, as given to --interfaces or GROVE_INTERFACES. Every
// name must exist on this machine (ErrUnknownInterface); an empty list is
// ErrNoInterfaces. Duplicates are removed, order is kept.
func ParseInterfaces(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	var names []string
	for _, name := range fields {
		if slices.Contains(names, name) {
			continue
		}
		if _, err := net.InterfaceByName(name); err != nil {
			return nil, fmt.Errorf("interface %q: %w", name, ErrUnknownInterface)
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("parse interface list %q: %w", s, ErrNoInterfaces)
	}
	return names, nil
}

// DefaultInterfaces returns every interface that is up and multicast-capable,
// loopback excluded: the default when the user names none. It returns
// ErrNoInterfaces when none qualifies, so the caller can say so instead of
// silently discovering nothing.
func DefaultInterfaces() ([]net.Interface, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list network interfaces: %w", err)
	}
	ifs := multicastCandidates(all)
	if len(ifs) == 0 {
		return nil, fmt.Errorf("no interface is up, multicast-capable and not loopback: %w", ErrNoInterfaces)
	}
	return ifs, nil
}

// InterfaceNames returns the names of ifs, e.g. to fill Config.Interfaces
// from DefaultInterfaces.
func InterfaceNames(ifs []net.Interface) []string {
	names := make([]string, len(ifs))
	for i, ifi := range ifs {
		names[i] = ifi.Name
	}
	return names
}

// multicastCandidates keeps the interfaces DefaultInterfaces accepts.
func multicastCandidates(all []net.Interface) []net.Interface {
	var out []net.Interface
	for _, ifi := range all {
		const want = net.FlagUp | net.FlagMulticast
		if ifi.Flags&want == want && ifi.Flags&net.FlagLoopback == 0 {
			out = append(out, ifi)
		}
	}
	return out
}

// link is a snapshot of the configured interfaces that exist and are up,
// with their addresses. Every zeroconf call takes its interfaces from a link,
// and resolveLink never returns one with an empty list.
type link struct {
	ifaces  []net.Interface
	nets    []ifaceNet // every address of every interface, with its prefix
	v6Zones []string   // interfaces where IPv6 multicast works
	ipType  zeroconf.IPType
}

// ifaceNet is one interface address.
type ifaceNet struct {
	iface  string
	prefix netip.Prefix // address with its on-link prefix length
}

// resolveLink looks up the named interfaces. Interfaces that are missing or
// down are left out and reported in the error that accompanies a usable
// link; if none is left, the error wraps ErrNoInterfaces.
func resolveLink(names []string) (link, error) {
	var l link
	var problems []error
	for _, name := range names {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			problems = append(problems, fmt.Errorf("interface %q: %w", name, ErrUnknownInterface))
			continue
		}
		if ifi.Flags&net.FlagUp == 0 {
			problems = append(problems, fmt.Errorf("interface %q is down", name))
			continue
		}
		if err := l.add(*ifi); err != nil {
			problems = append(problems, err)
		}
	}
	if len(l.ifaces) == 0 {
		return link{}, fmt.Errorf("interfaces %s: %w", strings.Join(names, ","), errors.Join(append(problems, ErrNoInterfaces)...))
	}
	return l, errors.Join(problems...)
}

// add appends one interface and its addresses.
func (l *link) add(ifi net.Interface) error {
	addrs, err := ifi.Addrs()
	if err != nil {
		return fmt.Errorf("addresses of %q: %w", ifi.Name, err)
	}
	v6 := ifi.Flags&net.FlagMulticast != 0 && ifi.Flags&net.FlagLoopback == 0
	hasV4, hasV6 := false, false
	for _, a := range addrs {
		p, ok := prefixOf(a)
		if !ok || (p.Addr().Is6() && !v6) {
			continue
		}
		l.nets = append(l.nets, ifaceNet{iface: ifi.Name, prefix: p})
		hasV4 = hasV4 || p.Addr().Is4()
		hasV6 = hasV6 || p.Addr().Is6()
	}
	if !hasV4 && !hasV6 {
		return fmt.Errorf("interface %q has no usable address", ifi.Name)
	}
	l.ifaces = append(l.ifaces, ifi)
	if hasV4 {
		l.ipType |= zeroconf.IPv4
	}
	if hasV6 {
		l.ipType |= zeroconf.IPv6
		l.v6Zones = append(l.v6Zones, ifi.Name)
	}
	return nil
}

// prefixOf converts an interface address; multicast and unspecified
// addresses are skipped.
func prefixOf(a net.Addr) (netip.Prefix, bool) {
	ipn, ok := a.(*net.IPNet)
	if !ok {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(ipn.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ip = ip.Unmap()
	ones, _ := ipn.Mask.Size()
	if ip.IsMulticast() || ip.IsUnspecified() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(ip, ones), true
}

// ownAddrs returns the addresses to advertise, as strings for RegisterProxy
// (IPv6 link-local without zone: DNS has no place for it).
func (l link) ownAddrs() []string {
	var out []string
	for _, n := range l.nets {
		out = append(out, n.prefix.Addr().WithZone("").String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// key identifies what we advertise: interfaces and addresses. A change means
// the advertisement must be renewed.
func (l link) key() string {
	var b strings.Builder
	for _, ifi := range l.ifaces {
		fmt.Fprintf(&b, "%d:%s;", ifi.Index, ifi.Name)
	}
	b.WriteString(strings.Join(l.ownAddrs(), ","))
	return b.String()
}

// maxPeerAddrs bounds the addresses kept per peer; one packet could carry
// thousands.
const maxPeerAddrs = 16

// peerAddrs keeps the announced addresses that are reachable through our
// interfaces: IPv4 and routable IPv6 inside one of their prefixes, and IPv6
// link-local addresses with a zone. The pinned library hears answers from
// every interface and does not say which one, so the zone is guessed: the
// interfaces holding the peer's other addresses, else every IPv6-capable
// interface (one dialable address per candidate zone).
func (l link) peerAddrs(ips []net.IP) []netip.Addr {
	var onLink, linkLocal []netip.Addr
	zones := map[string]bool{}
	for _, raw := range ips {
		a, ok := netip.AddrFromSlice(raw)
		if !ok {
			continue
		}
		a = a.Unmap()
		if a.Is6() && a.IsLinkLocalUnicast() {
			linkLocal = append(linkLocal, a)
			continue
		}
		for _, n := range l.nets {
			if n.prefix.Contains(a) {
				onLink = append(onLink, a)
				zones[n.iface] = true
				break
			}
		}
	}
	out := onLink
	for _, a := range linkLocal {
		for _, z := range l.v6Zones {
			if len(zones) == 0 || zones[z] {
				out = append(out, a.WithZone(z))
			}
		}
	}
	out = sortAddrs(out)
	return out[:min(len(out), maxPeerAddrs)]
}
