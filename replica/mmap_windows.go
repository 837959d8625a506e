//go:build windows

package replica

// initialMmapSize is 0 on Windows, where bbolt grows the file to the size
// of its memory map.
const initialMmapSize = 0
