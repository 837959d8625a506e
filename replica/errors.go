package replica

import "errors"

// Errors returned by the store. Test for them with errors.Is.
var (
	// ErrDataFolderInUse is returned by Open when another process holds the
	// store's file (another Grove instance uses the same data folder).
	ErrDataFolderInUse = errors.New("data folder in use by another Grove process")
	// ErrNotInitialized is returned when the device identity has not been
	// created yet (run `grove init`).
	ErrNotInitialized = errors.New("device not initialized")
	// ErrNoWorkspace is returned when a workspace does not exist locally.
	ErrNoWorkspace = errors.New("no such workspace")
	// ErrAmbiguous is returned when a workspace or tool name matches several.
	ErrAmbiguous = errors.New("ambiguous name")
	// ErrNoTool is returned when a tool does not exist in a workspace.
	ErrNoTool = errors.New("no such tool")
	// ErrNoRecord is returned when a record does not exist in a workspace.
	ErrNoRecord = errors.New("no such record")
	// ErrNoScope is returned for an unknown scope name.
	ErrNoScope = errors.New("no such scope")
	// ErrTooNew is returned by Open when the file was written by a newer
	// Grove whose format this one does not know.
	ErrTooNew = errors.New("store written by a newer version of Grove")
	// ErrInvalidInput is returned for malformed arguments (a bad name, an
	// oversized value); nothing is written.
	ErrInvalidInput = errors.New("invalid input")
)
