package discovery

import (
	"testing"

	"github.com/miekg/dns"
)

// announcement builds a response as the pinned library composes it for an
// announcement (ttl > 0) or a goodbye (ttl 0): SRV, TXT, PTR, the
// service-type enumeration PTR, then an A record. An empty host leaves the
// SRV out, nil txt the TXT.
func announcement(t testing.TB, label, host string, txt []string, ttl uint32) []byte {
	t.Helper()
	inst := label + "." + serviceName
	m := new(dns.Msg)
	m.Response = true
	if host != "" {
		m.Answer = append(m.Answer, &dns.SRV{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeSRV, Class: dns.ClassINET | qClassCacheFlush, Ttl: ttl}, Port: 7000, Target: host})
	}
	if txt != nil {
		m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeTXT, Class: dns.ClassINET | qClassCacheFlush, Ttl: ttl}, Txt: txt})
	}
	m.Answer = append(m.Answer,
		&dns.PTR{Hdr: dns.RR_Header{Name: serviceName, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: ttl}, Ptr: inst},
		&dns.PTR{Hdr: dns.RR_Header{Name: "_services._dns-sd._udp." + domain, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: ttl}, Ptr: serviceName})
	if host != "" {
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: host, Rrtype: dns.TypeA, Class: dns.ClassINET | qClassCacheFlush, Ttl: ttl}, A: []byte{10, 0, 0, 2}})
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatalf("pack: %v", err)
	}
	return b
}

// goodbyeCases are packets and the goodbyes they hold; the fuzz target is
// seeded with them.
func goodbyeCases(t testing.TB) []struct {
	name string
	pkt  []byte
	want []goodbye
} {
	dev := newDevice(t)
	txt := txtRecord{Version: 1, Device: dev, Instance: "00112233aabbccdd"}.strings()
	label := escapeLabel(instanceLabel("h2 (old) \\ @;.x", dev))
	host := hostName(dev.String())

	query := new(dns.Msg)
	query.SetQuestion(label+"."+serviceName, dns.TypePTR)
	query.Ns = []dns.RR{&dns.SRV{Hdr: dns.RR_Header{Name: label + "." + serviceName, Rrtype: dns.TypeSRV, Class: dns.ClassINET}, Target: host}}
	probe, err := query.Pack()
	if err != nil {
		t.Fatal(err)
	}
	other := new(dns.Msg)
	other.Response = true
	other.Answer = []dns.RR{
		&dns.PTR{Hdr: dns.RR_Header{Name: "_http._tcp.local.", Rrtype: dns.TypePTR, Class: dns.ClassINET}, Ptr: "web._http._tcp.local."},
		&dns.SRV{Hdr: dns.RR_Header{Name: "web._http._tcp.local.", Rrtype: dns.TypeSRV, Class: dns.ClassINET}, Target: "web.local."},
		// Two labels before the service name: not an instance name.
		&dns.PTR{Hdr: dns.RR_Header{Name: serviceName, Rrtype: dns.TypePTR, Class: dns.ClassINET}, Ptr: "a.b." + serviceName},
		// Another class.
		&dns.PTR{Hdr: dns.RR_Header{Name: serviceName, Rrtype: dns.TypePTR, Class: dns.ClassCHAOS}, Ptr: "c." + serviceName},
	}
	foreign, err := other.Pack()
	if err != nil {
		t.Fatal(err)
	}
	upper := new(dns.Msg)
	upper.Response = true
	upper.Answer = []dns.RR{&dns.PTR{Hdr: dns.RR_Header{Name: "_GROVE._TCP.LOCAL.", Rrtype: dns.TypePTR, Class: dns.ClassINET}, Ptr: "Laptop._GROVE._tcp.local."}}
	upperCase, err := upper.Pack()
	if err != nil {
		t.Fatal(err)
	}
	full := announcement(t, label, host, txt, 0)

	return []struct {
		name string
		pkt  []byte
		want []goodbye
	}{
		{"library goodbye", full, []goodbye{{label: label, host: host, device: dev, instance: "00112233aabbccdd"}}},
		{"announcement is no goodbye", announcement(t, label, host, txt, 3200), nil},
		{"PTR only", announcement(t, "Laptop", "", nil, 0), []goodbye{{label: "Laptop"}}},
		{"TXT not Grove's", announcement(t, "Laptop", "x.local.", []string{"a=b"}, 0), []goodbye{{label: "Laptop", host: "x.local."}}},
		{"names compare case-insensitively", upperCase, []goodbye{{label: "Laptop"}}},
		{"probe query", probe, nil},
		{"other services, bad names and classes", foreign, nil},
		{"truncated", full[:len(full)/2], nil},
		{"empty", nil, nil},
		{"garbage", []byte("\x00\x00\x84\x00\x00\x00\x00\x05\x00\x00\x00\x00\xff\xff"), nil},
	}
}

func TestParseGoodbyes(t *testing.T) {
	for _, c := range goodbyeCases(t) {
		t.Run(c.name, func(t *testing.T) {
			got := parseGoodbyes(c.pkt)
			if len(got) != len(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("goodbye %d = %+v, want %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// TestParseGoodbyesBounded checks that one packet yields at most
// maxGoodbyes.
func TestParseGoodbyesBounded(t *testing.T) {
	m := new(dns.Msg)
	m.Response = true
	for i := range 3 * maxGoodbyes {
		m.Answer = append(m.Answer, &dns.PTR{Hdr: dns.RR_Header{Name: serviceName, Rrtype: dns.TypePTR, Class: dns.ClassINET}, Ptr: "p" + itoa(i) + "." + serviceName})
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if got := parseGoodbyes(b); len(got) != maxGoodbyes {
		t.Errorf("%d goodbyes from one packet, want %d", len(got), maxGoodbyes)
	}
}

func TestGoodbyeMatches(t *testing.T) {
	dev, other := newDevice(t), newDevice(t)
	p := Peer{Device: dev, Instance: "00000000000000aa", label: `Bob\.desk (X)`, host: "bob.local."}
	cases := []struct {
		name string
		g    goodbye
		want bool
	}{
		{"label only", goodbye{label: `Bob\.desk (X)`}, true},
		{"label differs in case", goodbye{label: `BOB\.DESK (x)`}, true},
		{"other label", goodbye{label: `Bob (X)`}, false},
		{"label and host", goodbye{label: `Bob\.desk (X)`, host: "BOB.local."}, true},
		{"same name, other host", goodbye{label: `Bob\.desk (X)`, host: "eve.local."}, false},
		{"same instance", goodbye{label: `Bob\.desk (X)`, host: "bob.local.", device: dev, instance: "00000000000000aa"}, true},
		{"earlier instance of the device", goodbye{label: `Bob\.desk (X)`, host: "bob.local.", device: dev, instance: "00000000000000bb"}, false},
		{"other device", goodbye{label: `Bob\.desk (X)`, device: other}, false},
	}
	for _, c := range cases {
		if got := c.g.matches(p); got != c.want {
			t.Errorf("%s: matches = %v, want %v", c.name, got, c.want)
		}
	}
}

// FuzzParseGoodbyes feeds arbitrary packets to the goodbye parser: it never
// panics, returns at most maxGoodbyes, only valid instance labels, and what
// it returns comes back unchanged from a goodbye packet built from it.
func FuzzParseGoodbyes(f *testing.F) {
	for _, c := range goodbyeCases(f) {
		f.Add(c.pkt)
	}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		got := parseGoodbyes(pkt)
		if len(got) > maxGoodbyes {
			t.Fatalf("%d goodbyes", len(got))
		}
		for _, g := range got {
			if _, ok := instanceOf(g.label + "." + serviceName); !ok {
				t.Fatalf("invalid label %q", g.label)
			}
			var txt []string
			if !g.device.IsZero() {
				txt = txtRecord{Version: 1, Device: g.device, Instance: g.instance}.strings()
			}
			again := parseGoodbyes(announcement(t, g.label, g.host, txt, 0))
			if len(again) != 1 || again[0] != g {
				t.Fatalf("round trip of %+v gave %+v", g, again)
			}
		}
	})
}
