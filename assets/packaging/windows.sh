#!/usr/bin/env bash
# windows.sh: Grove for Windows (amd64), in $DIST (default dist/):
#   grove-VERSION-windows-amd64-setup.exe  per-user NSIS installer
#   windows/Grove.exe                      the app: GUI subsystem, icon, version info, manifest
#   windows/grove.com                      the same program linked as a console binary, for
#                                          the command line (`grove --version` in cmd.exe)
# On Linux it cross-compiles with MinGW-w64 (CC=x86_64-w64-mingw32-gcc) and
# packs with Debian's makensis; on Windows (MSYS2 MINGW64 shell) it uses the
# gcc and makensis on the PATH.
#
# Optional Authenticode signing of both executables, the uninstaller and the
# installer with osslsigncode: SIGN_PKCS12=cert.p12 [SIGN_PASSWORD_FILE=file]
# [SIGN_TIMESTAMP_URL=http://...].
. "$(dirname "$0")/lib.sh"

export GOARCH=${GOARCH:-amd64}
W=$DIST/.work/windows-$GOARCH
OUT=$DIST/grove-$VERSION-windows-$GOARCH-setup.exe
native=false
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) native=true ;; esac
winpath() { if $native; then cygpath -m "$1"; else printf '%s\n' "$1"; fi; }

log "windows: staging source in $W/src"
stage_source "$W/src"
mkdir -p "$W/bin" "$DIST/windows"
FYNE=$(fyne_tool "$W/bin")
(cd "$ROOT" && env -u GOOS -u GOARCH -u CC CGO_ENABLED=0 "$GO" build -o "$W/bin/pecheck$EXE" ./assets/packaging/pecheck)
(cd "$ROOT" && env -u GOOS -u GOARCH -u CC CGO_ENABLED=0 "$GO" run ./assets/packaging/wizardbmp assets/icon.png "$W/wizard.bmp")

if ! $native; then
	export CC=${CC:-x86_64-w64-mingw32-gcc}
fi
export CGO_ENABLED=1
# GNU ld stamps PE files with the build time unless told not to.
export GOFLAGS="$GOFLAGS -ldflags=-extldflags=-Wl,--no-insert-timestamp"

log "windows: fyne package -os windows --release (CC=${CC:-gcc})"
(cd "$W/src" && "$FYNE" package -os windows --release)
log "windows: console twin grove.com"
(cd "$W/src" && GOOS=windows "$GO" build -tags release,migrated_fynedo \
	-ldflags "-s -w -extldflags=-Wl,--no-insert-timestamp" -o grove.com .)

rm -f "$DIST/windows/"* "$DIST"/grove-*-windows-"$GOARCH"-setup.exe
cp "$W/src/Grove.exe" "$W/src/grove.com" "$DIST/windows/"
"$W/bin/pecheck$EXE" -machine "$GOARCH" -subsystem gui -icon -version "$VERSION.$BUILD" -system-dlls \
	-ico "$W/grove.ico" "$DIST/windows/Grove.exe" >&2
"$W/bin/pecheck$EXE" -machine "$GOARCH" -subsystem console -system-dlls "$DIST/windows/grove.com" >&2

sign_args=()
if [ -n "${SIGN_PKCS12:-}" ]; then
	for f in "$DIST/windows/Grove.exe" "$DIST/windows/grove.com"; do
		"$ROOT/assets/packaging/windows/sign.sh" "$f"
	done
	sign_args=(-DSIGN="$(winpath "$ROOT/assets/packaging/windows/sign.sh")")
fi

log "windows: makensis → $(basename "$OUT")"
makensis -V2 -WX -INPUTCHARSET UTF8 \
	-DVERSION="$VERSION" -DBUILD="$BUILD" -DAPP_ID="$APP_ID" -DAPP_NAME="$APP_NAME" \
	-DBIN_DIR="$(winpath "$DIST/windows")" -DICON="$(winpath "$W/grove.ico")" \
	-DWIZARD_BMP="$(winpath "$W/wizard.bmp")" \
	-DOUT_FILE="$(winpath "$OUT")" "${sign_args[@]}" \
	"$(winpath "$ROOT/assets/packaging/windows/grove.nsi")"
touch -d "@$SOURCE_DATE_EPOCH" "$OUT" "$DIST/windows/"*
ls -l "$OUT" "$DIST/windows/" >&2
fyneapp_unchanged
