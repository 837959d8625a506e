package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/grove-team/grove/replica"
)

func init() {
	register(command{name: "init", args: "[--name NAME]", short: "create this device's identity (idempotent); prints the device ID",
		flags: func(fs *flag.FlagSet, c *ctx) {
			c.opts["name"] = fs.String("name", "", "device name (default: the host name)")
		},
		run: runInit})
	register(command{name: "id", short: "print this device's ID", run: runID})
}

type deviceJSON struct {
	DeviceID string `json:"device_id"`
	Name     string `json:"name"`
	Data     string `json:"data"`
}

func runInit(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.withStore(func(s *replica.Store) error {
		d, err := s.Init(c.str("name"))
		if err != nil {
			return err
		}
		return c.printDevice(s, d)
	})
}

func runID(c *ctx, args []string) error {
	if err := noArgs(args); err != nil {
		return err
	}
	return c.withStore(func(s *replica.Store) error {
		d, err := s.Device()
		if err != nil {
			return err
		}
		return c.printDevice(s, d)
	})
}

func (c *ctx) printDevice(s *replica.Store, d replica.Device) error {
	return c.emit(deviceJSON{DeviceID: d.ID.String(), Name: d.Name, Data: s.Path()}, func(w io.Writer) {
		fmt.Fprintln(w, d.ID)
	})
}
