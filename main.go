// Command grove is Grove: with no command it opens the desktop app; with a
// command it runs headless (see `grove help`).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	fyneapp "fyne.io/fyne/v2/app"
	"github.com/google/uuid"

	"github.com/grove-team/grove/app"
	"github.com/grove-team/grove/app/cli"
	"github.com/grove-team/grove/app/local"
	"github.com/grove-team/grove/app/model"
	"github.com/grove-team/grove/app/network"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/sync/connect"
)

// appID is the application ID, as in FyneApp.toml.
const appID = "app.grove.desktop"

func main() {
	args := os.Args[1:]
	opts, rest, ok := desktopArgs(args)
	if !ok || len(rest) > 0 {
		os.Exit(cli.Run(args, os.Stdout, os.Stderr))
	}
	if why := displayProblem(runtime.GOOS, os.Getenv, fileExists); why != "" {
		fmt.Fprintf(os.Stderr, noDisplayMessage, why)
		os.Exit(1)
	}
	if err := runDesktop(opts); err != nil {
		fmt.Fprintln(os.Stderr, "grove:", err)
		os.Exit(1)
	}
}

// noDisplayMessage is what grove prints, instead of opening a window, when
// no display can be reached: what happened and what to do.
const noDisplayMessage = `grove: no display to open the window on (%s).
The desktop app needs a graphical session. Start it from your desktop, or
use Grove without a window:
  grove run       keep this device's workspaces syncing (headless)
  grove --help    every command
`

// displayProblem says why the desktop app cannot expect a display, or ""
// when it can. On Linux and the BSDs, where windows go to an X11 or
// Wayland server, it checks that DISPLAY or WAYLAND_DISPLAY is set and,
// for a local X display (":N"), that its socket exists — cheap, and no
// cgo; a remote X display is left to the window driver. Other systems
// always have one.
func displayProblem(goos string, getenv func(string) string, exists func(string) bool) string {
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return ""
	}
	if getenv("WAYLAND_DISPLAY") != "" {
		return ""
	}
	d := getenv("DISPLAY")
	if d == "" {
		return "neither DISPLAY nor WAYLAND_DISPLAY is set"
	}
	if n, ok := localDisplayNumber(d); ok && !exists("/tmp/.X11-unix/X"+n) {
		return fmt.Sprintf("DISPLAY is %s, but no X server listens there", d)
	}
	return ""
}

// localDisplayNumber returns N for a local X display name ":N" or ":N.S".
func localDisplayNumber(d string) (string, bool) {
	rest, ok := strings.CutPrefix(d, ":")
	if !ok {
		return "", false
	}
	n, _, _ := strings.Cut(rest, ".")
	if n == "" || strings.Trim(n, "0123456789") != "" {
		return "", false
	}
	return n, true
}

// fileExists reports whether path exists.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// desktopOptions are the flags the desktop app takes.
type desktopOptions struct {
	data       string // --data DIR
	interfaces string // --interfaces NAMES (default $GROVE_INTERFACES)
	listen     string // --listen ADDR (default $GROVE_LISTEN, then :7420)
}

// desktopArgs accepts the desktop app's flags; ok is false when args hold
// anything else, which then goes to the command line.
func desktopArgs(args []string) (o desktopOptions, rest []string, ok bool) {
	o.interfaces = os.Getenv("GROVE_INTERFACES")
	o.listen = os.Getenv("GROVE_LISTEN")
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || (name != "data" && name != "interfaces" && name != "listen") {
			return o, args[i:], true
		}
		if !hasValue {
			if i+1 >= len(args) {
				return o, nil, false
			}
			value = args[i+1]
			i++
		}
		switch name {
		case "data":
			o.data = value
		case "listen":
			o.listen = value
		default:
			o.interfaces = value
		}
	}
	return o, nil, true
}

// logTo sends the desktop app's log to grove.log in the user's cache folder
// (nothing is written beside the binary); it returns a closer.
func logTo() func() {
	dir, err := os.UserCacheDir()
	if err != nil {
		return func() {}
	}
	dir = filepath.Join(dir, "grove")
	if os.MkdirAll(dir, 0o700) != nil {
		return func() {}
	}
	path := filepath.Join(dir, "grove.log")
	if st, err := os.Stat(path); err == nil && st.Size() > 8<<20 {
		os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return func() {}
	}
	log.SetOutput(io.MultiWriter(f, os.Stderr))
	return func() { f.Close() }
}

func runDesktop(o desktopOptions) error {
	defer logTo()()
	dir, err := cli.DataDir(o.data)
	if err != nil {
		return err
	}
	store, err := replica.Open(dir, replica.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	// The network needs an identity; the welcome screen names it later.
	if _, err := store.Device(); errors.Is(err, replica.ErrNotInitialized) {
		if _, err := store.Init(""); err != nil {
			return err
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	listen, fallback := o.listen, false
	if listen == "" {
		// A second instance on this machine takes a free port.
		listen, fallback = cli.DefaultListen, true
	}

	var backend *local.Backend
	var ready atomic.Pointer[local.Backend] // set once the backend exists
	netw, err := cli.StartNetwork(ctx, stop, store, dir, cli.NetworkOptions{
		Listen: listen, Fallback: fallback, Interfaces: o.interfaces, Interval: 5 * time.Minute, Logf: log.Printf,
		// A command run on this folder from a shell changed it: refresh.
		OnChange: func(ws uuid.UUID) {
			if b := ready.Load(); b != nil {
				b.Publish(model.Event{Kind: model.Resync, Workspace: ws})
			}
		},
		// A connected workspace synced with its server (or failed to):
		// the badge, and the records and refused changes when it brought any.
		OnConnectedStatus: func(ws uuid.UUID, st connect.Status) {
			if b := ready.Load(); b != nil {
				l := st.Last
				b.ServerSynced(ws, l.Pulled > 0 || l.Refused > 0 || l.DesignsApplied > 0 || l.DesignsRejected > 0)
			}
		},
	})
	if err != nil {
		// Work offline rather than not at all; say why in the log.
		log.Printf("grove: sync is off: %v", err)
		backend = local.New(store)
	} else {
		if netw.DiscoveryErr != nil {
			log.Printf("grove: LAN discovery off: %v", netw.DiscoveryErr)
		}
		nw := network.New(store, netw.Env.Node, netw.Env.Discovery, netw.Interfaces)
		backend = local.New(store, local.WithSync(nw), local.WithDiscovery(nw), local.WithSharing(nw),
			local.WithServerRunner(netw.Env.Connected))
		nw.SetPublisher(backend)
		go nw.Run(ctx, backend.Subscribe(ctx))
	}
	ready.Store(backend)
	app.New(fyneapp.NewWithID(appID), backend).ShowAndRun()
	stop()
	if netw != nil {
		return netw.Wait()
	}
	return nil
}
