#!/usr/bin/env bash
# darwin.sh: Grove for macOS, on a Mac (Xcode command line tools and Go), in
# $DIST (default dist/):
#   Grove.app                           universal (arm64 + amd64) app bundle
#   grove-VERSION-macos-universal.dmg   disk image: Grove.app and a link to /Applications
# Each architecture is built with `fyne build --release` (which embeds the
# FyneApp.toml metadata), joined with lipo, wrapped by `fyne package -os
# darwin --executable`, and signed ad hoc unless MACOS_SIGN_IDENTITY names a
# Developer ID certificate in the keychain. Notarizing is a separate step
# (xcrun notarytool) that needs an Apple developer account.
. "$(dirname "$0")/lib.sh"

W=$DIST/.work/darwin
DMG=$DIST/grove-$VERSION-macos-universal.dmg
log "darwin: staging source in $W/src"
stage_source "$W/src"
mkdir -p "$W/bin"
FYNE=$(fyne_tool "$W/bin")

for arch in arm64 amd64; do
	log "darwin: fyne build -os darwin --release ($arch)"
	(cd "$W/src" && GOARCH=$arch CGO_ENABLED=1 "$FYNE" build -os darwin --release -o "grove-$arch")
done
(cd "$W/src" && lipo -create -output grove grove-arm64 grove-amd64 && rm grove-arm64 grove-amd64)

log "darwin: fyne package -os darwin --executable grove"
rm -rf "$W/src/$APP_NAME.app"
(cd "$W/src" && "$FYNE" package -os darwin --release --executable grove)
# fyne writes an empty category and macOS 10.11 as the minimum; Go 1.26
# binaries need macOS 12.
plist=$W/src/$APP_NAME.app/Contents/Info.plist
plutil -replace LSApplicationCategoryType -string public.app-category.productivity "$plist"
plutil -replace LSMinimumSystemVersion -string 12.0 "$plist"
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
	codesign --force --deep --options runtime --timestamp --sign "$MACOS_SIGN_IDENTITY" "$W/src/$APP_NAME.app"
else
	codesign --force --deep --sign - "$W/src/$APP_NAME.app"
fi
codesign --verify --deep --strict "$W/src/$APP_NAME.app"
"$W/src/$APP_NAME.app/Contents/MacOS/grove" --version

log "darwin: hdiutil → $(basename "$DMG")"
rm -rf "$DIST/$APP_NAME.app" "$DIST"/grove-*-macos-*.dmg "$W/dmg"
mkdir -p "$W/dmg"
cp -R "$W/src/$APP_NAME.app" "$W/dmg/"
ln -s /Applications "$W/dmg/Applications"
cp -R "$W/src/$APP_NAME.app" "$DIST/"
hdiutil create -volname "$APP_NAME $VERSION" -srcfolder "$W/dmg" -fs HFS+ -format UDZO -ov "$DMG"
ls -l "$DMG" >&2
fyneapp_unchanged
