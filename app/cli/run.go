package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	gosync "sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/grove-team/grove/discovery"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/replica/identity"
	grovesync "github.com/grove-team/grove/sync"
	"github.com/grove-team/grove/sync/connect"
	"github.com/grove-team/grove/sync/wire"
)

// DefaultListen is where `grove run` accepts sync connections by default.
const DefaultListen = ":7420"

func init() {
	register(command{name: "run", args: "[--listen ADDR] [--interfaces NAMES]", short: "run headless: accept syncs, sync partners, find peers on the LAN",
		flags: func(fs *flag.FlagSet, c *ctx) {
			c.opts["listen"] = fs.String("listen", DefaultListen, "address to accept sync connections on")
			c.opts["interfaces"] = fs.String("interfaces", os.Getenv("GROVE_INTERFACES"), "network interfaces for LAN discovery, e.g. eth0,wlan0 (default: every multicast interface except loopback; \"none\": off; also $GROVE_INTERFACES)")
			c.opts["interval"] = fs.String("interval", "5m", "sync every partner this often")
			c.bools["auto"] = fs.Bool("auto", true, "sync a moment after each change and when a partner appears (false: only on demand and on the schedule)")
		},
		run: runRun})
}

// discoveryInterfaces resolves --interfaces: explicit names, "none", or the
// multicast-capable non-loopback interfaces.
func discoveryInterfaces(flagValue string) ([]string, error) {
	switch flagValue {
	case "none", "off":
		return nil, nil
	case "":
		ifs, err := discovery.DefaultInterfaces()
		if err != nil {
			return nil, err
		}
		return discovery.InterfaceNames(ifs), nil
	}
	return discovery.ParseInterfaces(flagValue)
}

// book answers partner addresses from the discovery peer table.
type book struct{ svc *discovery.Service }

// MarkGone tells discovery a device it lists did not answer.
func (b *book) MarkGone(dev identity.DeviceID) {
	if b.svc != nil {
		b.svc.MarkGone(dev)
	}
}

func (b *book) Addresses(dev identity.DeviceID) []string {
	if b.svc == nil {
		return nil
	}
	p, ok := b.svc.Lookup(dev)
	if !ok {
		return nil
	}
	return p.Addresses()
}

// NetworkOptions configures StartNetwork.
type NetworkOptions struct {
	// Listen is the sync address; when it is taken and Fallback is set, a
	// free port is used instead (a second instance on one machine).
	Listen   string
	Fallback bool
	// Interfaces is the --interfaces value ("" default, "none" off).
	Interfaces string
	Interval   time.Duration
	Manual     bool
	Logf       func(format string, args ...any)
	// OnChange is told when a command served over the control socket
	// changed a workspace (the desktop app refreshes).
	OnChange func(ws uuid.UUID)
	// OnConnectedStatus, when set, is told the status of a connected
	// workspace's automatic server sync after each attempt
	// (connect.RunnerConfig.OnStatus); Env.Connected.Status answers too.
	OnConnectedStatus func(ws uuid.UUID, st connect.Status)
}

// Network is a running instance's network side: sync node, LAN discovery
// and the control socket.
type Network struct {
	Env        *Env
	Interfaces []string
	// DiscoveryErr says why discovery is off, when it is.
	DiscoveryErr error
	wait         func() error
}

// Wait blocks until every part has stopped and returns the first failure.
func (n *Network) Wait() error { return n.wait() }

// StartNetwork starts the sync node, LAN discovery, the control socket and
// the automatic server sync of connected workspaces (Env.Connected) over an
// open store in data folder dir. What a server sync brings is passed on to
// the workspace's peers like a local change. They run until ctx ends (or one
// fails, which cancels the others via stop).
func StartNetwork(ctx context.Context, stop func(), store *replica.Store, dir string, o NetworkOptions) (*Network, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	dev, err := store.Device()
	if err != nil {
		return nil, err
	}
	b := &book{}
	cfg := grovesync.Config{Store: store, Listen: o.Listen, Book: b, Interval: o.Interval, Manual: o.Manual, Logf: o.Logf}
	node, err := grovesync.New(cfg)
	if err != nil && o.Fallback {
		cfg.Listen = ":0"
		node, err = grovesync.New(cfg)
	}
	if err != nil {
		return nil, err
	}
	// What a server sync brought (items, a design version, refusals) goes
	// on to the workspace's peers a moment later, as a local change does.
	onStatus := func(ws uuid.UUID, st connect.Status) {
		if st.LastError == "" && (st.Last.Pulled > 0 || st.Last.DesignsApplied > 0 || st.Last.Refused > 0) {
			node.Changed(ws)
		}
		if o.OnConnectedStatus != nil {
			o.OnConnectedStatus(ws, st)
		}
	}
	net := &Network{Env: &Env{Store: store, Node: node, OnChange: o.OnChange,
		Connected: connect.NewRunner(connect.RunnerConfig{Store: store, Logf: o.Logf, OnStatus: onStatus})}}
	ifs, ifErr := discoveryInterfaces(o.Interfaces)
	switch {
	case ifErr != nil:
		net.DiscoveryErr = ifErr
	case len(ifs) > 0:
		svc, err := discovery.New(discovery.Config{Interfaces: ifs, Device: dev.ID, Name: dev.Name, Port: node.Port(), Version: wire.Version, Logf: o.Logf})
		if err != nil {
			node.Close()
			return nil, err
		}
		b.svc = svc
		net.Env.Discovery = svc
		net.Interfaces = ifs
	}
	net.wait = runParts(ctx, stop, dir, net.Env)
	return net, nil
}

func runRun(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.env != nil {
		return errors.New("this data folder already has a running instance")
	}
	interval, err := time.ParseDuration(c.str("interval"))
	if err != nil {
		return usageErr("--interval: %v", err)
	}
	dir, err := DataDir(c.dataFlag)
	if err != nil {
		return err
	}
	store, err := replica.Open(dir, replica.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	dev, err := store.Device()
	if errors.Is(err, replica.ErrNotInitialized) {
		dev, err = store.Init("")
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	netw, err := StartNetwork(ctx, stop, store, dir, NetworkOptions{Listen: c.str("listen"), Interfaces: c.str("interfaces"),
		Interval: interval, Manual: !*c.bools["auto"],
		Logf: func(f string, a ...any) { fmt.Fprintf(c.stderr, time.Now().Format("15:04:05 ")+f+"\n", a...) }})
	if err != nil {
		return err
	}
	if netw.DiscoveryErr != nil {
		fmt.Fprintf(c.stderr, "LAN discovery off: %v. Give --interfaces NAMES to choose, or sync by address.\n", netw.DiscoveryErr)
	}
	fmt.Fprintf(c.stdout, "Grove %s running\ndevice  %s (%s)\nsync    %s\ndata    %s\n", Version, dev.ID, dev.Name, netw.Env.Node.Addr(), dir)
	if len(netw.Interfaces) > 0 {
		fmt.Fprintf(c.stdout, "LAN     %v\n", netw.Interfaces)
	}
	return netw.Wait()
}

// runParts starts the node, discovery and control socket; the returned
// function waits until they have all stopped (at ctx's end, or after one
// failed and called stop) and returns the first failure.
func runParts(ctx context.Context, stop func(), dir string, env *Env) func() error {
	var wg gosync.WaitGroup
	errs := make(chan error, 4)
	start := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				stop()
			}
		}()
	}
	start("sync", env.Node.Run)
	if env.Connected != nil {
		start("connected", env.Connected.Run)
	}
	start("control", func(ctx context.Context) error { return ServeControl(ctx, dir, env) })
	if env.Discovery != nil {
		start("discovery", env.Discovery.Run)
		start("presence", func(ctx context.Context) error { return presence(ctx, env) })
	}
	return func() error {
		wg.Wait()
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	}
}

// presence syncs with a member's device as soon as it appears on the LAN.
func presence(ctx context.Context, env *Env) error {
	events, cancel := env.Discovery.Subscribe(64)
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if ev.Kind == discovery.PeerAppeared || ev.Kind == discovery.PeerRestarted || ev.Kind == discovery.PeerUpdated {
				env.Node.PeerAppeared(ev.Peer.Device)
			}
		}
	}
}
