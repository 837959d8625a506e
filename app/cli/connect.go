package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema/wireform"
	"github.com/grove-team/grove/sync/connect"
)

func init() {
	register(command{name: "connect", args: "--ws WS --server URL --token T [--fingerprint F]",
		short: "bind a workspace to a Grove server and sync it (pull, push, pull)",
		flags: func(fs *flag.FlagSet, c *ctx) {
			wsFlag(fs, c)
			c.opts["server"] = fs.String("server", "", "server URL, https://host:port")
			c.opts["token"] = fs.String("token", "", "access token (grove serve user add)")
			c.opts["fingerprint"] = fs.String("fingerprint", "", "pin the server certificate's SHA-256 fingerprint (printed by grove serve); empty: trust on first use")
		},
		run: runConnect})
}

func wireInternal(name string) string { return wireform.InternalName(name) }

func runConnect(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if c.str("server") == "" || c.str("token") == "" {
		return usageErr("--server and --token are required")
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		cl, err := connect.New(connect.Config{Store: s, WS: w.ID, Server: c.str("server"), Token: c.str("token"),
			Fingerprint: c.str("fingerprint"), Logf: func(f string, a ...any) { fmt.Fprintf(c.stderr, f+"\n", a...) }})
		if err != nil {
			return err
		}
		defer cl.Close()
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		b, err := cl.Connect(ctx)
		if err != nil {
			return err
		}
		rep, err := cl.Sync(ctx)
		if err != nil {
			return err
		}
		c.changed(w.ID)
		return c.emit(map[string]any{"binding": b, "report": rep}, func(o io.Writer) {
			fmt.Fprintf(o, "%s connected to %s (certificate %s)\n", w.Name, b.Server, b.Fingerprint)
			for _, l := range b.Lists {
				fmt.Fprintf(o, "  list %q -> tool %s\n", l.Name, l.Tool)
				for in, local := range l.Names {
					if wireform.InternalName(local) != in {
						fmt.Fprintf(o, "    server field %s is %q here\n", in, local)
					}
				}
			}
			fmt.Fprintf(o, "pulled %d, pushed %d: %d accepted, %d refused\n", rep.Pulled, rep.Pushed, rep.Accepted, rep.Refused)
			for _, r := range rep.Refusals {
				fmt.Fprintf(o, "  refused %s: %s: %s\n", r.Key, r.Code, r.Reason)
			}
		})
	})
}
