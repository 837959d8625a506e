// Package model is what the desktop app's screens know of the domain: plain
// types and small interfaces, implemented over the store by app/local and by
// fakes in tests. It imports neither Fyne nor bbolt.
package model

// Workspace summarises one workspace for the home screen.
type Workspace struct {
	ID      string
	Name    string
	Tools   []string
	Records int
}

// Device is this installation as the app shows it.
type Device struct {
	ID   string
	Name string
	Data string
}

// Home is what the home screen needs.
type Home interface {
	// Device returns this device's identity.
	Device() (Device, error)
	// Workspaces lists the workspaces on this device.
	Workspaces() ([]Workspace, error)
}
