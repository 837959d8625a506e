package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DataDir returns the data folder: flagValue when set, else $GROVE_DATA,
// else the OS's per-user data folder (~/.local/share/grove on Linux,
// ~/Library/Application Support/Grove on macOS, %AppData%\Grove on Windows).
func DataDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if env := os.Getenv("GROVE_DATA"); env != "" {
		return env, nil
	}
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		if x := os.Getenv("XDG_DATA_HOME"); x != "" {
			return filepath.Join(x, "grove"), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find data folder: %w", err)
		}
		return filepath.Join(home, ".local", "share", "grove"), nil
	default:
		dir, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("find data folder: %w", err)
		}
		return filepath.Join(dir, "Grove"), nil
	}
}
