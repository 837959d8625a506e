package discovery

import (
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/grove-team/grove/replica/identity"
)

// Defaults and limits for Config.
const (
	// DefaultAnnounce is the browse period when Config.Announce is zero.
	DefaultAnnounce = 10 * time.Second
	// MinAnnounce is the shortest browse period New accepts.
	MinAnnounce = 100 * time.Millisecond
	// DefaultVersion is the protocol version advertised when
	// Config.Version is zero.
	DefaultVersion = 1
	// ExpiryPeriods is how many browse periods a peer may stay silent
	// before it is dropped from the table: it is dropped when it answered
	// none of our last ExpiryPeriods browses. The periods are counted as
	// Run's loop goes through them, so time during which our own process
	// did not run does not count against peers.
	ExpiryPeriods = 3
	// GoodbyeGrace is how long a peer that said goodbye stays in the table
	// before it is dropped (GoneGoodbye): a responder renewing its
	// registration says goodbye and announces itself again at once, which
	// cancels the departure. RFC 6762 §10.1 keeps a record this long too.
	GoodbyeGrace = time.Second
)

// Config configures a Service.
type Config struct {
	// Interfaces names the network interfaces to advertise and browse on.
	// Required and non-empty; see ParseInterfaces and DefaultInterfaces.
	Interfaces []string
	// Device is this device's ID, advertised in TXT. Required.
	Device identity.DeviceID
	// Name is the device name shown to others; cut to fit one DNS label with
	// the short device ID. Empty means "Grove".
	Name string
	// Port is the sync port to advertise, 1–65535. Required.
	Port int
	// Version is the sync protocol version to advertise, 1–9999; zero means
	// DefaultVersion.
	Version int
	// Announce is the period at which the network is browsed afresh (which
	// makes every peer answer, so it is also the effective re-announce
	// period). Zero means DefaultAnnounce; at least MinAnnounce. Peers
	// silent for ExpiryPeriods periods are dropped.
	Announce time.Duration
	// Now returns the current time for LastSeen and expiry; nil means
	// time.Now. It is called from several goroutines at once. Periods are
	// timed by the real clock.
	Now func() time.Time
	// Logf receives diagnostics (ignored announcements, interface trouble);
	// nil discards them. It is called from several goroutines at once.
	Logf func(format string, args ...any)
}

// withDefaults validates c and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	c.Interfaces = slices.Clone(c.Interfaces)
	if len(c.Interfaces) == 0 {
		return c, fmt.Errorf("config: %w", ErrNoInterfaces)
	}
	for _, name := range c.Interfaces {
		if _, err := net.InterfaceByName(name); err != nil {
			return c, fmt.Errorf("config: interface %q: %w", name, ErrUnknownInterface)
		}
	}
	if c.Device.IsZero() {
		return c, fmt.Errorf("config: no device ID: %w", ErrBadConfig)
	}
	if c.Port < 1 || c.Port > 65535 {
		return c, fmt.Errorf("config: port %d: %w", c.Port, ErrBadConfig)
	}
	if c.Version == 0 {
		c.Version = DefaultVersion
	}
	if c.Version < 1 || c.Version > maxVersion {
		return c, fmt.Errorf("config: version %d: %w", c.Version, ErrBadConfig)
	}
	if c.Announce == 0 {
		c.Announce = DefaultAnnounce
	}
	if c.Announce < MinAnnounce {
		return c, fmt.Errorf("config: announce period %v below %v: %w", c.Announce, MinAnnounce, ErrBadConfig)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c, nil
}
