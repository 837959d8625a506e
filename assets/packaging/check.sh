#!/usr/bin/env bash
# check.sh [linux] [windows]: check the packages in $DIST (default dist/).
#
# linux: unpack the .tar.xz, `make install` it into a temporary prefix and
#   `make user-install` it into a temporary HOME; run the installed
#   `grove --version` and `grove init` (with --data, and with only HOME set:
#   the data must land in ~/.local/share/grove); open the window for a few
#   seconds when Xvfb and xdotool are there; then check that nothing was
#   written beside the binary or in the working folder; validate the .desktop
#   files with desktop-file-validate; unpack the .deb and run its grove too.
# windows: `file` and pecheck on Grove.exe (PE32+ GUI, amd64, icon group,
#   version resource, only system DLLs), grove.com (console) and the
#   installer; osslsigncode verify on the installer.
# Both: sha256sum -c SHA256SUMS when it exists.
. "$(dirname "$0")/lib.sh"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(linux windows)
T=$(mktemp -d /tmp/grove-package-check.XXXXXX)
xvfb_pid=
cleanup() {
	[ -z "$xvfb_pid" ] || kill "$xvfb_pid" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
fails=0
ok() { printf '  ok    %s\n' "$*"; }
bad() {
	printf '  FAIL  %s\n' "$*"
	fails=$((fails + 1))
}
expect() { # expect DESCRIPTION COMMAND...: run COMMAND, ok if it succeeds
	local what=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$what"; else
		bad "$what"
		sed 's/^/        /' "$T/out"
	fi
}
# grove_env HOME COMMAND...: run COMMAND in a clean environment with this HOME
# (no XDG_* or GROVE_* variables).
grove_env() {
	local home=$1
	shift
	env -i PATH=/usr/bin:/bin HOME="$home" LANG=en_US.UTF-8 ${DISPLAY:+DISPLAY=$DISPLAY} "$@"
}
# snapshot DIR: every file under DIR with size, mode and checksum.
snapshot() { (cd "$1" && find . -printf '%p %y %m %s\n' | sort && find . -type f -exec sha256sum {} + | sort); }

check_linux() {
	local arch tarball deb base pfx home desktop
	arch=$(env -u GOARCH "$GO" env GOARCH)
	tarball=$DIST/grove-$VERSION-linux-$arch.tar.xz
	deb=$(ls "$DIST"/grove_"$VERSION"-*_*.deb 2>/dev/null | head -n 1)
	base=$(basename "$tarball" .tar.xz)
	echo "linux: $tarball"
	[ -f "$tarball" ] || { bad "no $tarball (make package-linux)"; return; }

	mkdir -p "$T/unpack" "$T/prefix" "$T/home" "$T/cwd"
	tar -xJf "$tarball" -C "$T/unpack"
	expect "archive holds one folder, $base/" test "$(ls "$T/unpack")" = "$base"
	expect "make install PREFIX=<temporary prefix>" make -C "$T/unpack/$base" install PREFIX="$T/prefix"
	expect "make user-install (HOME=<temporary home>)" make -C "$T/unpack/$base" user-install HOME="$T/home"
	pfx=$T/prefix
	expect "installed: bin/grove, share/applications/$APP_ID.desktop, share/pixmaps/$APP_ID.png" \
		test -x "$pfx/bin/grove" -a -f "$pfx/share/applications/$APP_ID.desktop" -a -f "$pfx/share/pixmaps/$APP_ID.png"
	snapshot "$pfx" >"$T/prefix.before"

	cd "$T/cwd"
	local v
	v=$(grove_env "$T/home" "$pfx/bin/grove" --version 2>&1 || true)
	expect "installed grove --version prints \"grove $VERSION\" ($v)" test "$v" = "grove $VERSION"
	expect "grove init --data <temporary folder>" grove_env "$T/home" "$pfx/bin/grove" init --data "$T/data" --name package-check
	expect "  created $T/data/grove.db" test -f "$T/data/grove.db"
	expect "grove init with only HOME set" grove_env "$T/home" "$pfx/bin/grove" init --name package-check
	expect "  created ~/.local/share/grove/grove.db" test -f "$T/home/.local/share/grove/grove.db"
	expect "user-installed ~/.local/bin/grove --version" grove_env "$T/home" "$T/home/.local/bin/grove" --version

	# The window, briefly: what does a first start write, and where?
	if command -v Xvfb >/dev/null && command -v xdotool >/dev/null; then
		local d=:$((90 + RANDOM % 9)) gui_pid
		mkdir -p "$T/guihome"
		Xvfb "$d" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
		xvfb_pid=$!
		sleep 1
		# The app syncs and advertises itself: keep it off the real network
		# (a private network namespace with only lo when root, and in any
		# case no discovery and a loopback listener).
		local isolate=()
		if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null; then
			isolate=(unshare --net sh -c 'ip link set lo up && exec "$0" "$@"')
		fi
		DISPLAY=$d "${isolate[@]}" env -i PATH=/usr/bin:/bin HOME="$T/guihome" LANG=en_US.UTF-8 DISPLAY="$d" \
			GROVE_INTERFACES=none GROVE_LISTEN=127.0.0.1:0 "$pfx/bin/grove" >"$T/gui.log" 2>&1 &
		gui_pid=$!
		if DISPLAY=$d timeout 60 xdotool search --sync --name '^Grove' >/dev/null 2>&1; then
			ok "grove (no command) opened its window"
		else
			bad "grove (no command) opened no window"
			sed 's/^/        /' "$T/gui.log"
		fi
		sleep 2
		kill "$gui_pid" 2>/dev/null || true
		wait "$gui_pid" 2>/dev/null || true
		kill "$xvfb_pid" 2>/dev/null || true
		wait "$xvfb_pid" 2>/dev/null || true
		xvfb_pid=
		echo "  first start of the window wrote, under HOME:"
		(cd "$T/guihome" && find . -type f | sort | sed 's/^\./        ~/')
	else
		echo "  skip  window start (no Xvfb/xdotool; make deps-test installs them)"
	fi
	cd "$ROOT"

	snapshot "$pfx" >"$T/prefix.after"
	expect "nothing written beside the installed binary (prefix unchanged)" cmp -s "$T/prefix.before" "$T/prefix.after"
	expect "nothing written in the working folder" test -z "$(ls -A "$T/cwd")"

	desktop=$pfx/share/applications/$APP_ID.desktop
	expect "desktop-file-validate $(basename "$desktop")" desktop-file-validate "$desktop"
	expect "desktop-file-validate (user-install's, Exec=~/.local/bin/grove)" \
		desktop-file-validate "$T/home/.local/share/applications/$APP_ID.desktop"
	sed 's/^/        /' "$desktop"

	echo "linux: $deb"
	[ -n "$deb" ] || { bad "no .deb (make package-linux)"; return; }
	expect "dpkg-deb --info" dpkg-deb --info "$deb"
	sed -n 's/^ \(Package\|Version\|Architecture\|Depends\|Installed-Size\):/        \1:/p' "$T/out"
	mkdir -p "$T/deb"
	dpkg-deb -x "$deb" "$T/deb"
	dpkg-deb --contents "$deb" | awk '{print "        " $1, $2, $6}'
	v=$(grove_env "$T/home" "$T/deb/usr/bin/grove" --version 2>&1 || true)
	expect "the .deb's grove --version prints \"grove $VERSION\"" test "$v" = "grove $VERSION"
	expect "desktop-file-validate (the .deb's)" desktop-file-validate "$T/deb/usr/share/applications/$APP_ID.desktop"
	expect "the .deb's binary is the archive's" cmp -s "$T/deb/usr/bin/grove" "$pfx/bin/grove"
}

check_windows() {
	local arch=amd64 bin setup pecheck
	bin=$DIST/windows
	setup=$DIST/grove-$VERSION-windows-$arch-setup.exe
	echo "windows: $setup"
	[ -f "$setup" ] || { bad "no $setup (make package-windows)"; return; }
	pecheck=$T/pecheck
	(cd "$ROOT" && CGO_ENABLED=0 "$GO" build -o "$pecheck" ./assets/packaging/pecheck)

	local f
	for f in "$bin/Grove.exe" "$bin/grove.com" "$setup"; do
		printf '        %s\n' "$(file -b "$f")"
	done
	expect "file: Grove.exe is a PE32+ GUI x86-64 executable" \
		sh -c 'file -b "$1" | grep -q "^PE32+ executable (GUI) x86-64"' - "$bin/Grove.exe"
	expect "file: grove.com is a PE32+ console x86-64 executable" \
		sh -c 'file -b "$1" | grep -q "^PE32+ executable (console) x86-64"' - "$bin/grove.com"
	expect "the installer is an NSIS installer (NullsoftInst header)" grep -q NullsoftInst "$setup"
	expect "pecheck Grove.exe: amd64, GUI subsystem, icon group, version $VERSION.$BUILD, system DLLs only" \
		"$pecheck" -machine "$arch" -subsystem gui -icon -version "$VERSION.$BUILD" -system-dlls "$bin/Grove.exe"
	sed 's/^/        /' "$T/out"
	expect "pecheck grove.com: amd64, console subsystem, system DLLs only" \
		"$pecheck" -machine "$arch" -subsystem console -system-dlls "$bin/grove.com"
	expect "pecheck installer: GUI subsystem, icon group, version $VERSION.$BUILD" \
		"$pecheck" -subsystem gui -icon -version "$VERSION.$BUILD" "$setup"
	sed 's/^/        /' "$T/out"

	if command -v 7zz >/dev/null; then
		mkdir -p "$T/setup"
		7zz x -y -o"$T/setup" "$setup" Grove.exe grove.com >/dev/null
		expect "the installer holds these Grove.exe and grove.com (7zz x)" \
			sh -c 'cmp "$1/Grove.exe" "$2/Grove.exe" && cmp "$1/grove.com" "$2/grove.com"' - "$T/setup" "$bin"
	fi

	# Authenticode: osslsigncode verify fails on an unsigned file ("No
	# signature found"); that is reported, not failed, unless REQUIRE_SIGNED=1.
	if command -v osslsigncode >/dev/null; then
		if osslsigncode verify ${VERIFY_CAFILE:+-CAfile "$VERIFY_CAFILE"} -in "$setup" >"$T/out" 2>&1; then
			ok "osslsigncode verify: signed, signature valid"
		elif grep -q "No signature found" "$T/out"; then
			if [ "${REQUIRE_SIGNED:-0}" = 1 ]; then bad "osslsigncode verify: installer is not signed"; else
				ok "osslsigncode verify: installer is not signed (set SIGN_PKCS12 to sign)"
			fi
		else
			bad "osslsigncode verify"
		fi
		sed 's/^/        /' "$T/out"
	fi
}

for t in "${targets[@]}"; do
	case $t in
	linux) check_linux ;;
	windows) check_windows ;;
	*) echo "check.sh: unknown target $t" >&2; exit 2 ;;
	esac
done
if [ -f "$DIST/SHA256SUMS" ]; then
	echo "SHA256SUMS"
	expect "sha256sum -c SHA256SUMS" sh -c 'cd "$1" && sha256sum -c SHA256SUMS' - "$DIST"
	sed 's/^/        /' "$T/out"
fi
if [ "$fails" -gt 0 ]; then
	echo "package-check: $fails check(s) failed" >&2
	exit 1
fi
echo "package-check: all checks passed"
