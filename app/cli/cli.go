// Package cli is Grove's command line: the same binary's headless
// subcommands for scripting and servers. It never creates a Fyne app.
//
// Every command takes --data DIR (default $GROVE_DATA, then the OS's user
// data folder) and --json (machine-readable output). Flags may come before
// or after positional arguments.
package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/grove-team/grove/assets"
	"github.com/grove-team/grove/discovery"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
	grovesync "github.com/grove-team/grove/sync"
	"github.com/grove-team/grove/sync/connect"
)

// Version is the program version; a test keeps it equal to FyneApp.toml's.
const Version = assets.Version

// command is one subcommand.
type command struct {
	name  string // "record put"
	args  string // usage after the name
	short string
	run   func(c *ctx, args []string) error
	flags func(fs *flag.FlagSet, c *ctx)
}

// ctx is one invocation's state.
type ctx struct {
	stdout, stderr io.Writer
	dataFlag       string
	json           bool
	opts           map[string]*string
	bools          map[string]*bool
	// env is set when the command runs inside `grove run`, which owns the
	// store and the sync node.
	env *Env
}

// Env is what a running instance lends the commands it serves over its
// control socket.
type Env struct {
	Store     *replica.Store
	Node      *grovesync.Node
	Discovery *discovery.Service // nil when LAN discovery is off
	OnChange  func(ws uuid.UUID) // may be nil
	// Connected syncs connected workspaces with their servers (nil when
	// not running): Status for the app, Nudge after a change.
	Connected *connect.Runner
}

func (c *ctx) str(name string) string { return *c.opts[name] }

// commands lists every subcommand, in help order.
var commands []command

func register(cmd command) { commands = append(commands, cmd) }

// errUsage marks a usage error: exit code 2 and the command's usage.
var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// IsCommand reports whether args name a subcommand (so main knows whether to
// open the desktop app).
func IsCommand(args []string) bool { return len(args) > 0 }

// Run executes the command line args (without the program name) and returns
// the process exit code: 0 success, 1 failure, 2 usage error. When a Grove
// instance runs on the data folder, the command is handed to it over its
// control socket, so it never meets a locked store.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] != "run" && args[0] != "help" && args[0] != "version" && args[0] != "--version" {
		if code, ok := forward(args, stdout, stderr); ok {
			return code
		}
	}
	return run(args, stdout, stderr, nil)
}

// run executes a command in this process; env is set inside `grove run`.
func run(args []string, stdout, stderr io.Writer, env *Env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintf(stdout, "grove %s\n", Version)
		return 0
	}
	cmd, rest := find(args)
	if cmd == nil {
		fmt.Fprintf(stderr, "grove: unknown command %q\n\n", strings.Join(args[:min(2, len(args))], " "))
		printHelp(stderr)
		return 2
	}
	c := &ctx{stdout: stdout, stderr: stderr, opts: map[string]*string{}, bools: map[string]*bool{}, env: env}
	fs := flag.NewFlagSet("grove "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.dataFlag, "data", "", "data folder (default $GROVE_DATA, then the OS's user data folder)")
	fs.BoolVar(&c.json, "json", false, "print JSON")
	if cmd.flags != nil {
		cmd.flags(fs, c)
	}
	pos, err := parseInterspersed(fs, rest)
	if err == nil {
		err = cmd.run(c, pos)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) || isFlagErr(err):
		fmt.Fprintf(stderr, "grove %s: %v\nusage: grove %s %s\n", cmd.name, strings.TrimPrefix(err.Error(), "usage: "), cmd.name, cmd.args)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return 2
	default:
		fmt.Fprintf(stderr, "grove %s: %v\n", cmd.name, err)
		if hint := hintFor(err); hint != "" {
			fmt.Fprintln(stderr, hint)
		}
		return 1
	}
}

type flagErr struct{ error }

func isFlagErr(err error) bool { var f flagErr; return errors.As(err, &f) }

// find matches the longest command name at the start of args.
func find(args []string) (*command, []string) {
	for _, n := range []int{2, 1} {
		if len(args) < n {
			continue
		}
		name := strings.Join(args[:n], " ")
		for i := range commands {
			if commands[i].name == name {
				return &commands[i], args[n:]
			}
		}
	}
	return nil, nil
}

// parseInterspersed parses flags wherever they appear among positional
// arguments; "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagErr{err}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "Grove %s: shared workspaces of records that sync between peers.\n\n", Version)
	fmt.Fprintln(w, "usage: grove                 open the desktop app")
	fmt.Fprintln(w, "       grove COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nevery command takes --data DIR (or $GROVE_DATA) and --json.")
}

// hintFor says what to do about common errors.
func hintFor(err error) string {
	switch {
	case errors.Is(err, replica.ErrDataFolderInUse):
		return "Another Grove process is using this data folder. Close it, or point --data at another folder."
	case errors.Is(err, replica.ErrNoWorkspace):
		return "List your workspaces with: grove workspace list"
	case errors.Is(err, replica.ErrNoTool):
		return "List the workspace's tools with: grove tool list --ws WS"
	case errors.Is(err, replica.ErrNotInitialized):
		return "Create this device's identity with: grove init"
	case errors.Is(err, replica.ErrConnected):
		return "Nothing changed. The server's administrator changes the design (grove serve design import); it reaches this device by sync."
	case errors.Is(err, schema.ErrInvalidValue):
		return "Nothing was saved. Fix the value and try again."
	}
	return ""
}

// emit prints v as JSON, or calls human.
func (c *ctx) emit(v any, human func(io.Writer)) error {
	if c.json {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	human(c.stdout)
	return nil
}

// open opens the store in the data folder.
func (c *ctx) open() (*replica.Store, error) {
	dir, err := DataDir(c.dataFlag)
	if err != nil {
		return nil, err
	}
	return replica.Open(dir, replica.Options{})
}

// withStore runs fn with an open, initialized store (initializing the
// device with a default name on first use): the running instance's, or one
// opened for this command.
func (c *ctx) withStore(fn func(s *replica.Store) error) error {
	if c.env != nil {
		return fn(c.env.Store)
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Device(); errors.Is(err, replica.ErrNotInitialized) {
		if _, err := s.Init(""); err != nil {
			return err
		}
	}
	return fn(s)
}

// noArgs refuses positional arguments for commands that take none.
func noArgs(args []string) error {
	if len(args) > 0 {
		return usageErr("unexpected argument %q", args[0])
	}
	return nil
}

// inWorkspace runs fn with the store and the workspace --ws names.
func (c *ctx) inWorkspace(fn func(s *replica.Store, w replica.Workspace) error) error {
	return c.withStore(func(s *replica.Store) error {
		w, err := c.workspace(s)
		if err != nil {
			return err
		}
		return fn(s, w)
	})
}

// changed tells the running instance, if any, that ws changed here, so its
// partners hear of it a moment later.
func (c *ctx) changed(ws uuid.UUID) {
	if c.env != nil && c.env.Node != nil {
		c.env.Node.Changed(ws)
	}
	if c.env != nil && c.env.Connected != nil {
		c.env.Connected.Nudge(ws)
	}
	if c.env != nil && c.env.OnChange != nil {
		c.env.OnChange(ws)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
