package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grove-team/grove/app/firstrun"
	"github.com/grove-team/grove/assets"
	"github.com/grove-team/grove/replica"
	"github.com/grove-team/grove/schema"
)

func init() {
	register(command{name: "workspace create", args: "NAME [--template NAME]", short: "create a workspace; prints its ID",
		flags: func(fs *flag.FlagSet, c *ctx) {
			c.opts["template"] = fs.String("template", "", "start from a built-in tool: "+strings.Join(assets.TemplateNames(), ", "))
		},
		run: runWorkspaceCreate})
	register(command{name: "workspace list", short: "list workspaces", run: runWorkspaceList})
	register(command{name: "tool list", args: "--ws WS", short: "list a workspace's tools and fields",
		flags: wsFlag, run: runToolList})
}

func wsFlag(fs *flag.FlagSet, c *ctx) {
	c.opts["ws"] = fs.String("ws", "", "workspace: name, ID or ID prefix")
}

type workspaceJSON struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Replica string    `json:"replica"`
}

func toWorkspaceJSON(w replica.Workspace) workspaceJSON {
	return workspaceJSON{ID: w.ID.String(), Name: w.Name, Created: w.Created, Replica: w.Replica.String()}
}

func runWorkspaceCreate(c *ctx, args []string) error {
	if len(args) != 1 {
		return usageErr("want one workspace NAME (quote names with spaces)")
	}
	var tools []*schema.Tool
	if name := c.str("template"); name != "" {
		t, err := firstrun.Template(name)
		if err != nil {
			return err
		}
		tools = append(tools, t)
	}
	return c.withStore(func(s *replica.Store) error {
		w, err := s.CreateWorkspace(args[0], tools...)
		if err != nil {
			return err
		}
		return c.emit(toWorkspaceJSON(w), func(o io.Writer) { fmt.Fprintln(o, w.ID) })
	})
}

func runWorkspaceList(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.withStore(func(s *replica.Store) error {
		all, err := s.Workspaces()
		if err != nil {
			return err
		}
		out := make([]workspaceJSON, 0, len(all))
		for _, w := range all {
			out = append(out, toWorkspaceJSON(w))
		}
		return c.emit(out, func(o io.Writer) {
			if len(all) == 0 {
				fmt.Fprintln(o, "No workspaces yet. Create one with: grove workspace create NAME --template contacts")
				return
			}
			tw := tabwriter.NewWriter(o, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED")
			for _, w := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", w.ID, w.Name, w.Created.Local().Format("2006-01-02 15:04"))
			}
			tw.Flush()
		})
	})
}

// workspace resolves --ws.
func (c *ctx) workspace(s *replica.Store) (replica.Workspace, error) {
	ref := c.str("ws")
	if ref == "" {
		return replica.Workspace{}, usageErr("--ws is required")
	}
	return s.FindWorkspace(ref)
}

type fieldJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Required bool     `json:"required,omitempty"`
	Choices  []string `json:"choices,omitempty"`
}

type toolJSON struct {
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Fields []fieldJSON `json:"fields"`
}

func runToolList(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.inWorkspace(func(s *replica.Store, w replica.Workspace) error {
		tools, err := s.Tools(w.ID)
		if err != nil {
			return err
		}
		out := make([]toolJSON, 0, len(tools))
		for _, t := range tools {
			tj := toolJSON{ID: t.ID.String(), Name: t.Name}
			for _, f := range t.Fields {
				tj.Fields = append(tj.Fields, fieldJSON{ID: f.ID.String(), Name: f.Name, Type: string(f.Type), Required: f.Required, Choices: f.Choices})
			}
			out = append(out, tj)
		}
		return c.emit(out, func(o io.Writer) {
			for _, t := range tools {
				fmt.Fprintf(o, "%s  %s\n", t.ID, t.Name)
				for _, f := range t.Fields {
					req := ""
					if f.Required {
						req = " (required)"
					}
					fmt.Fprintf(o, "    %-14s %s%s\n", f.Name, f.Type, req)
				}
			}
		})
	})
}
