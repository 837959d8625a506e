package discovery

import "errors"

// Errors returned by this package. Test for them with errors.Is; the returned
// errors wrap them with context.
var (
	// ErrNoInterfaces is returned when an interface list is empty or none of
	// its interfaces qualifies. Discovery never falls back to "every
	// interface": the caller must name them (see the package doc).
	ErrNoInterfaces = errors.New("no usable network interface")

	// ErrUnknownInterface is returned by ParseInterfaces and New when a named
	// interface does not exist on this machine.
	ErrUnknownInterface = errors.New("unknown network interface")

	// ErrBadConfig is returned by New when a Config field is out of range.
	ErrBadConfig = errors.New("invalid discovery configuration")

	// ErrAlreadyRun is returned by Run when it is called a second time on the
	// same Service. Create a new Service instead.
	ErrAlreadyRun = errors.New("discovery service already run")

	// ErrBadTXT is returned when a peer's TXT record lacks a required key or
	// a value does not parse. Such announcements are ignored.
	ErrBadTXT = errors.New("malformed TXT record")
)
