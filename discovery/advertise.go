package discovery

import (
	"fmt"
	"strings"
	"time"

	"github.com/grandcat/zeroconf"
)

const (
	serviceType = "_grove._tcp"
	domain      = "local."

	// probeBound is how long the pinned library's announcement goroutine
	// (Server.probe: two probes up to 250 ms apart, then announcements 1 s
	// and 2 s apart) may live after RegisterProxy. Shutdown does not stop
	// it, so the advertiser waits this long after the last registration
	// before it reports all goroutines gone.
	probeBound = 4 * time.Second
)

// advertiser owns our zeroconf registration and renews it when the
// interfaces or their addresses change.
type advertiser struct {
	instance string // escaped instance name
	host     string
	port     int
	txt      []string
	logf     func(string, ...any)

	server     *zeroconf.Server
	key        string    // link.key() of the current registration
	registered time.Time // wall time of the last RegisterProxy
}

// update makes sure we are registered for exactly l.
func (a *advertiser) update(l link) {
	if a.server != nil && a.key == l.key() {
		return
	}
	a.shutdown()
	if err := a.register(l); err != nil {
		a.logf("discovery: advertise: %v", err)
	}
}

// register calls RegisterProxy with the interfaces of l, never an empty list.
func (a *advertiser) register(l link) error {
	if len(l.ifaces) == 0 {
		return fmt.Errorf("register %s: %w", serviceType, ErrNoInterfaces)
	}
	// The library appends the domain to the host name unless the name
	// ends with the domain as given: "local" (no dot) keeps a.host
	// "<id>.local." as it is, "local." would make it "<id>.local.local.".
	srv, err := zeroconf.RegisterProxy(a.instance, serviceType, strings.TrimSuffix(domain, "."), a.port, a.host, l.ownAddrs(), a.txt, l.ifaces)
	if err != nil {
		return fmt.Errorf("register %s on %s: %w", serviceType, ifaceList(l), err)
	}
	a.server, a.key, a.registered = srv, l.key(), time.Now()
	return nil
}

// shutdown sends the goodbye and closes the sockets of the registration.
func (a *advertiser) shutdown() {
	if a.server != nil {
		a.server.Shutdown()
		a.server, a.key = nil, ""
	}
}

// wait blocks until the library's announcement goroutine of the last
// registration has finished: at most probeBound after that registration, at
// once if it is older. Call it after shutdown.
func (a *advertiser) wait() {
	if !a.registered.IsZero() {
		time.Sleep(time.Until(a.registered.Add(probeBound)))
	}
}

// hostName is the mDNS host name of a device: its ID without dashes, lower
// case, so every device (and every network namespace sharing one kernel host
// name) has its own A/AAAA records.
func hostName(id string) string {
	return strings.ToLower(strings.ReplaceAll(id, "-", "")) + "." + domain
}

func ifaceList(l link) string { return strings.Join(InterfaceNames(l.ifaces), ",") }
