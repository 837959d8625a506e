package discovery

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/grandcat/zeroconf"
)

// These tests only read the interface list; they send nothing.

func TestParseInterfaces(t *testing.T) {
	cases := []struct {
		in      string
		want    []string
		wantErr error
	}{
		{"lo", []string{"lo"}, nil},
		{" lo , lo\tlo ", []string{"lo"}, nil},
		{"", nil, ErrNoInterfaces},
		{" , ,", nil, ErrNoInterfaces},
		{"lo,grove-no-such0", nil, ErrUnknownInterface},
	}
	for _, c := range cases {
		got, err := ParseInterfaces(c.in)
		if !errors.Is(err, c.wantErr) || !slices.Equal(got, c.want) {
			t.Errorf("ParseInterfaces(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.wantErr)
		}
	}
}

func TestMulticastCandidates(t *testing.T) {
	all := []net.Interface{
		{Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagLoopback | net.FlagMulticast},
		{Index: 2, Name: "eth0", Flags: net.FlagUp | net.FlagMulticast | net.FlagBroadcast},
		{Index: 3, Name: "eth1", Flags: net.FlagMulticast},
		{Index: 4, Name: "tun0", Flags: net.FlagUp | net.FlagPointToPoint},
	}
	if got := InterfaceNames(multicastCandidates(all)); !slices.Equal(got, []string{"eth0"}) {
		t.Errorf("candidates %v, want [eth0]", got)
	}
	if got := multicastCandidates(all[:1]); len(got) != 0 {
		t.Errorf("loopback accepted: %v", got)
	}
}

func TestDefaultInterfacesExcludesLoopback(t *testing.T) {
	ifs, err := DefaultInterfaces()
	if err != nil {
		if !errors.Is(err, ErrNoInterfaces) {
			t.Fatalf("DefaultInterfaces: %v", err)
		}
		return
	}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagLoopback != 0 || ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 {
			t.Errorf("unexpected interface %v", ifi)
		}
	}
}

func TestResolveLinkLoopback(t *testing.T) {
	l, err := resolveLink([]string{"lo"})
	if err != nil {
		t.Skipf("lo unusable here: %v", err)
	}
	if l.ipType != zeroconf.IPv4 || len(l.v6Zones) != 0 {
		t.Errorf("lo: ip type %v zones %v, want IPv4 only", l.ipType, l.v6Zones)
	}
	if !slices.Contains(l.ownAddrs(), "127.0.0.1") {
		t.Errorf("own addresses %v", l.ownAddrs())
	}
	if _, err := resolveLink([]string{"grove-no-such0"}); !errors.Is(err, ErrNoInterfaces) || !errors.Is(err, ErrUnknownInterface) {
		t.Errorf("missing interface: %v", err)
	}
	if _, err := resolveLink(nil); !errors.Is(err, ErrNoInterfaces) {
		t.Errorf("empty list: %v", err)
	}
}

func TestPeerAddrs(t *testing.T) {
	l := link{
		nets: []ifaceNet{
			{"eth0", netip.MustParsePrefix("192.168.1.10/24")},
			{"eth0", netip.MustParsePrefix("fe80::1/64")},
			{"eth0", netip.MustParsePrefix("2001:db8::10/64")},
			{"wlan0", netip.MustParsePrefix("10.0.0.5/8")},
			{"wlan0", netip.MustParsePrefix("fe80::2/64")},
		},
		v6Zones: []string{"eth0", "wlan0"},
	}
	ip := func(s string) net.IP { return net.ParseIP(s) }
	cases := []struct {
		name string
		in   []net.IP
		want []string
	}{
		{"zone from sibling address", []net.IP{ip("fe80::9"), ip("192.168.1.20")}, []string{"192.168.1.20", "fe80::9%eth0"}},
		{"zone unknown: one per interface", []net.IP{ip("fe80::9")}, []string{"fe80::9%eth0", "fe80::9%wlan0"}},
		{"off-link dropped", []net.IP{ip("172.16.0.1"), ip("127.0.0.1"), ip("2001:db9::1")}, nil},
		{"routable v6 kept, order v4 first", []net.IP{ip("2001:db8::20"), ip("10.1.2.3")}, []string{"10.1.2.3", "2001:db8::20"}},
		{"v4-mapped unmapped, duplicates merged", []net.IP{ip("::ffff:10.1.2.3"), ip("10.1.2.3").To4()}, []string{"10.1.2.3"}},
		{"garbage skipped", []net.IP{{1, 2, 3}}, nil},
		{"bounded", manyAddrs(40), firstAddrs(maxPeerAddrs)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, a := range l.peerAddrs(c.in) {
				got = append(got, a.String())
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("peerAddrs(%v) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func manyAddrs(n int) []net.IP {
	var out []net.IP
	for i := n - 1; i >= 0; i-- {
		out = append(out, net.IPv4(10, 0, 0, byte(i+1)))
	}
	return out
}

func firstAddrs(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("10.0.0.%d", i+1))
	}
	return out
}
