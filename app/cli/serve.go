package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/grove-team/grove/schema"
	"github.com/grove-team/grove/sync/server"
)

// The server's commands. The command table matches names of at most two
// words, so "serve user add" is "serve user" with the verb "add".
func init() {
	register(command{name: "serve", args: "--data DIR [--addr HOST:PORT] [--cert FILE --key FILE]",
		short: "run the Grove server (headless; TLS with a self-signed certificate unless --cert/--key)",
		flags: func(fs *flag.FlagSet, c *ctx) {
			c.opts["addr"] = fs.String("addr", "127.0.0.1:8443", "address to listen on")
			c.opts["cert"] = fs.String("cert", "", "TLS certificate file (PEM) instead of the built-in one")
			c.opts["key"] = fs.String("key", "", "TLS key file (PEM), with --cert")
		},
		run: runServe})
	register(command{name: "serve user", args: "add NAME [--email E] [--admin] --data DIR",
		short: "add a server user; prints its access token (shown once)",
		flags: func(fs *flag.FlagSet, c *ctx) {
			c.opts["email"] = fs.String("email", "", "the user's e-mail (their login in person fields)")
			c.bools["admin"] = fs.Bool("admin", false, "every permission on every list")
		},
		run: runServeUser})
	register(command{name: "serve list", args: "create NAME [--design FILE] [--field Title:kind[:required][:A|B]]... [rules] --data DIR",
		short: "create or redesign a server list",
		flags: listFlags, run: runServeList})
	register(command{name: "serve design", args: "import FILE [--list NAME] [rules] --data DIR",
		short: "create or redesign a server list from a design file (grove design JSON)",
		flags: listFlags, run: runServeDesign})
	register(command{name: "serve grant", args: "USER LIST read|edit|design|none --data DIR",
		short: "set a user's permissions on a server list", run: runServeGrant})
}

func listFlags(fs *flag.FlagSet, c *ctx) {
	c.opts["design"] = fs.String("design", "", "design file (grove design JSON) giving the fields")
	c.opts["list"] = fs.String("list", "", "list name (default: the design's name)")
	c.opts["email-domains"] = fs.String("email-domains", "", "comma-separated allow-list of e-mail domains (person fields and --email-fields)")
	c.opts["email-fields"] = fs.String("email-fields", "", "comma-separated text fields holding e-mail addresses")
	c.opts["unique"] = fs.String("unique", "", "comma-separated fields whose values must be unique in the list")
	c.opts["max-items-per-user"] = fs.String("max-items-per-user", "0", "most live items one user may create (0: no limit)")
	fields := new(string) // repeated --field values, one a line
	c.opts["fields"] = fields
	fs.Func("field", "extra field Title:kind[:required][:A|B|C] (a lookup: Title:lookup:TARGET-LIST); kinds: text, note, number, boolean, date, datetime, choice, multichoice, person, lookup, url", func(v string) error {
		*fields += v + "\n"
		return nil
	})
}

// withServer opens the server store in --data (required: the server's data
// folder is its own, never a device's).
func (c *ctx) withServer(fn func(s *server.Store) error) error {
	if c.dataFlag == "" {
		return usageErr("--data DIR is required: the server's data folder")
	}
	s, err := server.Open(c.dataFlag, server.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

func runServe(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	if (c.str("cert") == "") != (c.str("key") == "") {
		return usageErr("--cert and --key go together")
	}
	return c.withServer(func(s *server.Store) error {
		srv, err := server.New(server.Config{Store: s, CertFile: c.str("cert"), KeyFile: c.str("key"),
			Logf: func(f string, a ...any) { fmt.Fprintf(c.stderr, f+"\n", a...) }})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", c.str("addr"))
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		fmt.Fprintf(c.stdout, "grove server %s listening on https://%s\n", s.Device(), ln.Addr())
		fmt.Fprintf(c.stdout, "certificate fingerprint (SHA-256): %s\n", srv.Fingerprint())
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return srv.Serve(ctx, ln)
	})
}

func runServeUser(c *ctx, args []string) error {
	if len(args) != 2 || args[0] != "add" {
		return usageErr("want: serve user add NAME")
	}
	return c.withServer(func(s *server.Store) error {
		u, tok, err := s.AddUser(args[1], c.str("email"), *c.bools["admin"])
		if err != nil {
			return err
		}
		return c.emit(map[string]any{"user": u, "token": tok}, func(o io.Writer) {
			fmt.Fprintf(o, "user %d %q added; access token (shown once):\n%s\n", u.ID, u.Name, tok)
		})
	})
}

func runServeList(c *ctx, args []string) error {
	if len(args) != 2 || args[0] != "create" {
		return usageErr("want: serve list create NAME")
	}
	return c.putList(args[1])
}

func runServeDesign(c *ctx, args []string) error {
	if len(args) != 2 || args[0] != "import" {
		return usageErr("want: serve design import FILE")
	}
	*c.opts["design"] = args[1]
	return c.putList(c.str("list"))
}

// putList builds a list from --design, --field and the rule flags.
func (c *ctx) putList(name string) error {
	l := server.List{Name: name}
	if f := c.str("design"); f != "" {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		t, err := schema.ParseToolJSON(raw)
		if err != nil {
			return fmt.Errorf("design %s: %w", f, err)
		}
		if l.Name == "" {
			l.Name = t.Name
		}
		if l.Fields, err = server.FieldsFromTool(t); err != nil {
			return fmt.Errorf("design %s: %w", f, err)
		}
	}
	for _, spec := range strings.Split(strings.TrimSuffix(c.str("fields"), "\n"), "\n") {
		if spec == "" {
			continue
		}
		f, err := server.ParseFieldSpec(spec)
		if err != nil {
			return usageErr("%v", err)
		}
		l.Fields = append(l.Fields, f)
	}
	l.Rules.EmailDomains = splitList(c.str("email-domains"))
	l.Rules.EmailFields = internalNames(c.str("email-fields"))
	l.Rules.Unique = internalNames(c.str("unique"))
	if _, err := fmt.Sscan(c.str("max-items-per-user"), &l.Rules.MaxItemsPerUser); err != nil {
		return usageErr("--max-items-per-user: want a number")
	}
	return c.withServer(func(s *server.Store) error {
		saved, err := s.PutList(l)
		if err != nil {
			return err
		}
		return c.emit(saved, func(o io.Writer) {
			fmt.Fprintf(o, "list %d %q, design version %d:\n", saved.ID, saved.Name, saved.DesignVersion)
			for _, f := range saved.Fields {
				fmt.Fprintf(o, "  %-24s %-12s %s\n", f.Internal, f.Kind, f.Title)
			}
		})
	})
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// internalNames accepts titles or internal names in rule flags.
func internalNames(s string) []string {
	out := splitList(s)
	for i, n := range out {
		out[i] = wireInternal(n)
	}
	return out
}

func runServeGrant(c *ctx, args []string) error {
	if len(args) != 3 {
		return usageErr("want: serve grant USER LIST PERMISSION")
	}
	p, err := server.ParsePerm(args[2])
	if err != nil {
		return usageErr("%v", err)
	}
	return c.withServer(func(s *server.Store) error {
		u, err := s.FindUser(args[0])
		if err != nil {
			return err
		}
		l, err := s.List(args[1])
		if err != nil {
			return err
		}
		if err := s.Grant(u.ID, l.ID, p); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s on %s: %s\n", u.Name, l.Name, strings.Join(p.Names(), ", "))
		return nil
	})
}
