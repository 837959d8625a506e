package model

import "errors"

// ErrDesignOwnedByServer is returned by ApplyDesign when the workspace is
// connected to a server: its design is the server's and is changed there.
var ErrDesignOwnedByServer = errors.New("the design belongs to the server")

// ErrDesignRejected is returned by ApplyDesign when existing records or
// views do not fit the new design; nothing was changed and the report's
// notes say why.
var ErrDesignRejected = errors.New("the design change was refused")

// DesignAccess says who this device is to a workspace's design: its role,
// its member reference (for private views) and, in connected mode, the
// server that owns the design.
type DesignAccess struct {
	// Role is this device's role; only managers change designs.
	Role Role
	// Me is this device's member reference ("member:DEVICE-ID"), the owner
	// of the private views it makes.
	Me string
	// Server is the address of the server the workspace is connected to,
	// "" when the workspace's managers own its design.
	Server string
}

// Connected reports whether a server owns the design.
func (a DesignAccess) Connected() bool { return a.Server != "" }

// DesignAccessor reports a workspace's DesignAccess. The designer asks
// once when it opens; it is a small read, safe on the UI thread.
type DesignAccessor interface {
	DesignAccess() (DesignAccess, error)
}
