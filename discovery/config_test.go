package discovery

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	dev := newDevice(t)
	good := Config{Interfaces: []string{"lo"}, Device: dev, Port: 7000}
	cases := []struct {
		name string
		edit func(*Config)
		want error
	}{
		{"no interfaces", func(c *Config) { c.Interfaces = nil }, ErrNoInterfaces},
		{"unknown interface", func(c *Config) { c.Interfaces = []string{"grove-no-such0"} }, ErrUnknownInterface},
		{"no device", func(c *Config) { c.Device = [32]byte{} }, ErrBadConfig},
		{"port zero", func(c *Config) { c.Port = 0 }, ErrBadConfig},
		{"port too big", func(c *Config) { c.Port = 65536 }, ErrBadConfig},
		{"version negative", func(c *Config) { c.Version = -1 }, ErrBadConfig},
		{"announce too short", func(c *Config) { c.Announce = time.Millisecond }, ErrBadConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := good
			c.edit(&cfg)
			if _, err := New(cfg); !errors.Is(err, c.want) {
				t.Errorf("New: %v, want %v", err, c.want)
			}
		})
	}
	s, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Announce != DefaultAnnounce || s.cfg.Version != DefaultVersion || s.cfg.Now == nil || s.cfg.Logf == nil {
		t.Errorf("defaults not applied: %+v", s.cfg)
	}
	if s2, _ := New(good); s2.Instance() == s.Instance() || len(s.Instance()) != instanceIDLen {
		t.Errorf("instance IDs %q %q", s.Instance(), s2.Instance())
	}
}

func TestHostName(t *testing.T) {
	id := newDevice(t)
	h := hostName(id.String())
	label, rest, _ := strings.Cut(h, ".")
	if rest != "local." || len(label) != 52 || strings.ToUpper(label) != strings.ReplaceAll(id.String(), "-", "") {
		t.Errorf("hostName = %q", h)
	}
}
