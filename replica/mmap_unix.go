//go:build !windows

package replica

// initialMmapSize reserves address space for the store's memory map up
// front, so a growing file is not remapped (which copies every page in
// use) again and again during a large sync. On Unix systems this is only
// address space: the file does not grow with it.
const initialMmapSize = 1 << 30
