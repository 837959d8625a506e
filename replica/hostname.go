package replica

import "os"

// defaultDeviceName names a device after its host when the user gave no name.
func defaultDeviceName() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		if len(h) > MaxNameRunes {
			h = h[:MaxNameRunes]
		}
		return h
	}
	return "Grove device"
}
