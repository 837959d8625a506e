// Command pecheck inspects a Windows executable (PE file) and checks what
// Grove's packages promise: the machine, the subsystem (GUI or console), an
// icon group in the resource section, the version resource and, with
// -system-dlls, that only Windows' own DLLs are imported (no MinGW runtime
// beside the .exe). It prints what it found and exits 1 when a check fails.
//
//	go run ./assets/packaging/pecheck -machine amd64 -subsystem gui -icon \
//	    -version 0.1.0.1 -system-dlls dist/windows/Grove.exe
//
// With -ico FILE it also writes the first icon group as a .ico file (the
// installer uses the application's own icon this way).
package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// Resource types (winuser.h).
const (
	rtIcon      = 3
	rtGroupIcon = 14
	rtVersion   = 16
	rtManifest  = 24
)

var typeNames = map[uint32]string{1: "cursor", 2: "bitmap", rtIcon: "icon", 4: "menu", 5: "dialog", 6: "string",
	10: "rcdata", 12: "group cursor", rtGroupIcon: "group icon", rtVersion: "version", rtManifest: "manifest"}

// systemDLLs are DLLs every supported Windows has; anything else would have
// to be shipped beside the .exe.
var systemDLLs = []string{"advapi32.dll", "bcrypt.dll", "bcryptprimitives.dll", "comctl32.dll", "comdlg32.dll",
	"crypt32.dll", "dnsapi.dll", "dwmapi.dll", "gdi32.dll", "imm32.dll", "iphlpapi.dll", "kernel32.dll",
	"msvcrt.dll", "ntdll.dll", "ole32.dll", "oleaut32.dll", "opengl32.dll", "powrprof.dll", "secur32.dll",
	"setupapi.dll", "shell32.dll", "shlwapi.dll", "user32.dll", "userenv.dll", "uxtheme.dll", "version.dll",
	"winmm.dll", "ws2_32.dll", "wsock32.dll"}

type resource struct {
	typ, id, lang uint32
	data          []byte
}

func main() {
	machine := flag.String("machine", "", "required machine: amd64, 386 or arm64")
	subsystem := flag.String("subsystem", "", "required subsystem: gui or console")
	icon := flag.Bool("icon", false, "require an icon group whose icons are all present")
	version := flag.String("version", "", "required file version in the fixed version info, a.b.c.d")
	sysDLLs := flag.Bool("system-dlls", false, "require that only Windows system DLLs are imported")
	icoOut := flag.String("ico", "", "write the first icon group to this .ico file")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: pecheck [flags] FILE.exe")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	var failed []string
	fail := func(format string, args ...any) { failed = append(failed, fmt.Sprintf(format, args...)) }
	if err := check(flag.Arg(0), *machine, *subsystem, *icon, *version, *sysDLLs, *icoOut, fail); err != nil {
		fmt.Fprintln(os.Stderr, "pecheck:", err)
		os.Exit(1)
	}
	if len(failed) > 0 {
		for _, f := range failed {
			fmt.Fprintln(os.Stderr, "pecheck: FAIL:", f)
		}
		os.Exit(1)
	}
	fmt.Println("pecheck: OK")
}

func check(path, machine, subsystem string, icon bool, version string, sysDLLs bool, icoOut string, fail func(string, ...any)) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	f, err := pe.NewFile(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()

	var format string
	var sub uint16
	var dirs []pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		format, sub, dirs = "PE32+", oh.Subsystem, oh.DataDirectory[:oh.NumberOfRvaAndSizes]
	case *pe.OptionalHeader32:
		format, sub, dirs = "PE32", oh.Subsystem, oh.DataDirectory[:oh.NumberOfRvaAndSizes]
	default:
		return fmt.Errorf("%s: no optional header", path)
	}
	mach := map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_I386: "386",
		pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
	subName := map[uint16]string{pe.IMAGE_SUBSYSTEM_WINDOWS_GUI: "gui", pe.IMAGE_SUBSYSTEM_WINDOWS_CUI: "console"}[sub]
	fmt.Printf("%s\n  format     %s, machine %s (%#x), subsystem %s (%d)\n", path, format, mach, f.Machine, subName, sub)
	if machine != "" && machine != mach {
		fail("machine is %q, want %q", mach, machine)
	}
	if machine == "amd64" && format != "PE32+" {
		fail("format is %s, want PE32+", format)
	}
	if subsystem != "" && subsystem != subName {
		fail("subsystem is %q (%d), want %q", subName, sub, subsystem)
	}
	var names []string
	for _, s := range f.Sections {
		names = append(names, s.Name)
	}
	fmt.Printf("  sections   %s\n", strings.Join(names, " "))

	res, err := resources(f, dirs)
	if err != nil && (icon || version != "" || icoOut != "") {
		fail("resources: %v", err)
	}
	counts := map[uint32]int{}
	for _, r := range res {
		counts[r.typ]++
	}
	var summary []string
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		name := typeNames[t]
		if name == "" {
			name = fmt.Sprint("type ", t)
		}
		summary = append(summary, fmt.Sprintf("%s×%d", name, counts[t]))
	}
	fmt.Printf("  resources  %s\n", strings.Join(summary, ", "))

	groups := byType(res, rtGroupIcon)
	if len(groups) > 0 {
		ico, sizes, err := iconFile(groups[0], byType(res, rtIcon))
		if err != nil {
			fail("icon group %d: %v", groups[0].id, err)
		} else {
			fmt.Printf("  icon       group %d: %s\n", groups[0].id, strings.Join(sizes, " "))
			if icoOut != "" {
				if err := os.WriteFile(icoOut, ico, 0o644); err != nil {
					return err
				}
				fmt.Printf("  wrote      %s (%d bytes)\n", icoOut, len(ico))
			}
		}
	} else if icon || icoOut != "" {
		fail("no icon group resource")
	}

	if vs := byType(res, rtVersion); len(vs) > 0 {
		fv, pv, err := fixedVersion(vs[0].data)
		if err != nil {
			fail("version resource: %v", err)
		}
		fmt.Printf("  version    file %s, product %s\n", fv, pv)
		if version != "" && fv != version {
			fail("file version is %s, want %s", fv, version)
		}
	} else if version != "" {
		fail("no version resource")
	}
	if ms := byType(res, rtManifest); len(ms) > 0 {
		fmt.Printf("  manifest   %d bytes\n", len(ms[0].data))
	}

	// debug/pe's ImportedLibraries is not implemented; the DLLs are in
	// the "symbol:dll" names ImportedSymbols returns.
	syms, err := f.ImportedSymbols()
	if err != nil {
		fail("imports: %v", err)
	}
	var libs []string
	for _, s := range syms {
		if _, dll, ok := strings.Cut(s, ":"); ok && !slices.Contains(libs, strings.ToLower(dll)) {
			libs = append(libs, strings.ToLower(dll))
		}
	}
	slices.Sort(libs)
	fmt.Printf("  imports    %s\n", strings.Join(libs, " "))
	if sysDLLs {
		if len(libs) == 0 {
			fail("no imported DLLs found")
		}
		for _, l := range libs {
			if !slices.Contains(systemDLLs, l) {
				fail("imports %s, which is not a Windows system DLL", l)
			}
		}
	}
	return nil
}

func byType(res []resource, typ uint32) []resource {
	var out []resource
	for _, r := range res {
		if r.typ == typ {
			out = append(out, r)
		}
	}
	return out
}

// resources walks the resource directory (type / name / language) and
// returns every leaf with its data. Named entries get ID 0.
func resources(f *pe.File, dirs []pe.DataDirectory) ([]resource, error) {
	if len(dirs) <= pe.IMAGE_DIRECTORY_ENTRY_RESOURCE || dirs[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE].VirtualAddress == 0 {
		return nil, errors.New("no resource directory")
	}
	rva := dirs[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE].VirtualAddress
	var sec *pe.Section
	for _, s := range f.Sections {
		if rva >= s.VirtualAddress && rva < s.VirtualAddress+max(s.VirtualSize, s.Size) {
			sec = s
		}
	}
	if sec == nil {
		return nil, fmt.Errorf("resource directory at RVA %#x is in no section", rva)
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	base := rva - sec.VirtualAddress
	u16 := func(off uint32) (uint16, error) {
		if uint64(base)+uint64(off)+2 > uint64(len(data)) {
			return 0, errors.New("resource directory truncated")
		}
		return binary.LittleEndian.Uint16(data[base+off:]), nil
	}
	u32 := func(off uint32) (uint32, error) {
		if uint64(base)+uint64(off)+4 > uint64(len(data)) {
			return 0, errors.New("resource directory truncated")
		}
		return binary.LittleEndian.Uint32(data[base+off:]), nil
	}
	type entry struct{ id, off uint32 }
	dir := func(off uint32) ([]entry, error) {
		named, err := u16(off + 12)
		if err != nil {
			return nil, err
		}
		ids, err := u16(off + 14)
		if err != nil {
			return nil, err
		}
		var out []entry
		for i := uint32(0); i < uint32(named)+uint32(ids); i++ {
			name, err := u32(off + 16 + 8*i)
			if err != nil {
				return nil, err
			}
			to, err := u32(off + 16 + 8*i + 4)
			if err != nil {
				return nil, err
			}
			if name&0x80000000 != 0 {
				name = 0
			}
			out = append(out, entry{name, to})
		}
		return out, nil
	}
	var out []resource
	types, err := dir(0)
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		if t.off&0x80000000 == 0 {
			return nil, errors.New("type entry is not a directory")
		}
		names, err := dir(t.off &^ 0x80000000)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if n.off&0x80000000 == 0 {
				return nil, errors.New("name entry is not a directory")
			}
			langs, err := dir(n.off &^ 0x80000000)
			if err != nil {
				return nil, err
			}
			for _, l := range langs {
				dataRVA, err := u32(l.off)
				if err != nil {
					return nil, err
				}
				size, err := u32(l.off + 4)
				if err != nil {
					return nil, err
				}
				start := uint64(dataRVA) - uint64(sec.VirtualAddress)
				if dataRVA < sec.VirtualAddress || start+uint64(size) > uint64(len(data)) {
					return nil, fmt.Errorf("resource %d/%d outside its section", t.id, n.id)
				}
				out = append(out, resource{typ: t.id, id: n.id, lang: l.id, data: data[start : start+uint64(size)]})
			}
		}
	}
	return out, nil
}

// iconFile rebuilds an .ico file from an icon group and the icons it names.
func iconFile(group resource, icons []resource) ([]byte, []string, error) {
	g := group.data
	if len(g) < 6 || binary.LittleEndian.Uint16(g[2:]) != 1 {
		return nil, nil, errors.New("not an icon group")
	}
	n := int(binary.LittleEndian.Uint16(g[4:]))
	if n == 0 || len(g) < 6+14*n {
		return nil, nil, fmt.Errorf("icon group with %d entries in %d bytes", n, len(g))
	}
	var head, body bytes.Buffer
	head.Write(g[:6])
	offset := 6 + 16*n
	var sizes []string
	for i := range n {
		e := g[6+14*i : 6+14*(i+1)]
		id := uint32(binary.LittleEndian.Uint16(e[12:]))
		var img []byte
		for _, ic := range icons {
			if ic.id == id {
				img = ic.data
			}
		}
		if img == nil {
			return nil, nil, fmt.Errorf("icon %d named by the group is missing", id)
		}
		w, h := int(e[0]), int(e[1])
		if w == 0 {
			w = 256
		}
		if h == 0 {
			h = 256
		}
		sizes = append(sizes, fmt.Sprintf("%dx%d", w, h))
		head.Write(e[:8])
		binary.Write(&head, binary.LittleEndian, uint32(len(img)))
		binary.Write(&head, binary.LittleEndian, uint32(offset+body.Len()))
		body.Write(img)
	}
	return append(head.Bytes(), body.Bytes()...), sizes, nil
}

// fixedVersion reads VS_FIXEDFILEINFO's file and product versions.
func fixedVersion(b []byte) (file, product string, err error) {
	i := bytes.Index(b, []byte{0xbd, 0x04, 0xef, 0xfe})
	if i < 0 || len(b) < i+24 {
		return "", "", errors.New("no VS_FIXEDFILEINFO")
	}
	v := func(off int) string {
		ms := binary.LittleEndian.Uint32(b[i+off:])
		ls := binary.LittleEndian.Uint32(b[i+off+4:])
		return fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
	}
	return v(8), v(16), nil
}
