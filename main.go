// Command grove is Grove: with no command it opens the desktop app; with a
// command it runs headless (see `grove help`).
package main

import (
	"fmt"
	"os"
	"strings"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/grove-team/grove/app"
	"github.com/grove-team/grove/app/cli"
	"github.com/grove-team/grove/app/local"
	"github.com/grove-team/grove/replica"
)

// appID is the application ID, as in FyneApp.toml.
const appID = "app.grove.desktop"

func main() {
	args := os.Args[1:]
	dataFlag, rest, ok := desktopArgs(args)
	if !ok || len(rest) > 0 {
		os.Exit(cli.Run(args, os.Stdout, os.Stderr))
	}
	if err := runDesktop(dataFlag); err != nil {
		fmt.Fprintln(os.Stderr, "grove:", err)
		os.Exit(1)
	}
}

// desktopArgs accepts the flags the desktop app takes (--data DIR); ok is
// false when args hold anything else, which then goes to the command line.
func desktopArgs(args []string) (data string, rest []string, ok bool) {
	for i := 0; i < len(args); i++ {
		a := strings.TrimPrefix(args[i], "-")
		switch {
		case a == "-data" || a == "data":
			if i+1 >= len(args) {
				return "", nil, false
			}
			data = args[i+1]
			i++
		case strings.HasPrefix(a, "-data="), strings.HasPrefix(a, "data="):
			_, data, _ = strings.Cut(a, "=")
		default:
			return data, args[i:], true
		}
	}
	return data, nil, true
}

func runDesktop(dataFlag string) error {
	dir, err := cli.DataDir(dataFlag)
	if err != nil {
		return err
	}
	store, err := replica.Open(dir, replica.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	a := fyneapp.NewWithID(appID)
	app.New(a, local.New(store)).ShowAndRun()
	return nil
}
