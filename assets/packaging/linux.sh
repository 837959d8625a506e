#!/usr/bin/env bash
# linux.sh: Grove for Linux, in $DIST (default dist/):
#   grove-VERSION-linux-ARCH.tar.xz   `fyne package -os linux`'s archive (binary, icon,
#                                     .desktop file, Makefile with install and
#                                     user-install), repacked reproducibly in a
#                                     grove-VERSION-linux-ARCH/ folder
#   grove_VERSION-BUILD_ARCH.deb      the same binary, icon and .desktop file under /usr
. "$(dirname "$0")/lib.sh"

ARCH=$(env -u GOARCH "$GO" env GOARCH)
DEB_ARCH=$(case $ARCH in 386) echo i386 ;; arm) echo armhf ;; *) echo "$ARCH" ;; esac)
W=$DIST/.work/linux-$ARCH
BASE=grove-$VERSION-linux-$ARCH
TARBALL=$DIST/$BASE.tar.xz
DEB=$DIST/grove_$VERSION-${BUILD}_$DEB_ARCH.deb
DEB_MAINTAINER=${DEB_MAINTAINER:-The Grove authors <grove@grove.app>}

log "linux: staging source in $W/src"
stage_source "$W/src"
mkdir -p "$W/bin"
FYNE=$(fyne_tool "$W/bin")

log "linux: fyne package -os linux --release"
(cd "$W/src" && "$FYNE" package -os linux --release)

# The archive fyne made has this machine's owners, times and file order:
# unpack it into a versioned folder and pack that again reproducibly.
rm -rf "$W/tar"
mkdir -p "$W/tar/$BASE"
tar -xJf "$W/src/$APP_NAME.tar.xz" -C "$W/tar/$BASE"
prefix=$(cd "$W/tar/$BASE" && dirname "$(find usr -path '*/bin/grove')")
prefix=${prefix%/bin}
for f in "$prefix/bin/grove" "$prefix/share/applications/$APP_ID.desktop" "$prefix/share/pixmaps/$APP_ID.png" Makefile; do
	[ -f "$W/tar/$BASE/$f" ] || { echo "linux: $f missing from fyne's archive" >&2; exit 1; }
done
normalize_tree "$W/tar"
rm -f "$DIST"/grove-*-linux-"$ARCH".tar.xz "$DIST"/grove_*_"$DEB_ARCH".deb
mkdir -p "$DIST"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
	--format=gnu -C "$W/tar" -cf - "$BASE" | xz -T1 -6 > "$TARBALL"
touch -d "@$SOURCE_DATE_EPOCH" "$TARBALL"

log "linux: dpkg-deb → $(basename "$DEB")"
R=$W/deb
rm -rf "$R"
install -Dm0755 "$W/tar/$BASE/$prefix/bin/grove" "$R/usr/bin/grove"
install -Dm0644 "$W/tar/$BASE/$prefix/share/applications/$APP_ID.desktop" "$R/usr/share/applications/$APP_ID.desktop"
install -Dm0644 "$W/tar/$BASE/$prefix/share/pixmaps/$APP_ID.png" "$R/usr/share/icons/hicolor/512x512/apps/$APP_ID.png"
depends="libc6, libgl1, libx11-6"
if command -v dpkg-shlibdeps >/dev/null; then
	mkdir -p "$W/shlibs/debian"
	printf 'Source: grove\n\nPackage: grove\nArchitecture: any\n' > "$W/shlibs/debian/control"
	depends=$(cd "$W/shlibs" && dpkg-shlibdeps -O "$R/usr/bin/grove" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
fi
mkdir -p "$R/DEBIAN"
cat > "$R/DEBIAN/control" <<CONTROL
Package: grove
Version: $VERSION-$BUILD
Architecture: $DEB_ARCH
Maintainer: $DEB_MAINTAINER
Installed-Size: $(du -sk --apparent-size "$R/usr" | cut -f1)
Depends: $depends
Section: utils
Priority: optional
Homepage: https://grove.app
Description: shared records for small teams, synced between their devices
 Grove keeps a team's shared records (contacts, tasks, issues, events) on
 every member's device and syncs them directly between peers, field by
 field, on the local network or over any TCP connection. Conflicts are kept
 for a person to resolve, never dropped.
 .
 This package holds the desktop app and the grove command line.
CONTROL
normalize_tree "$R"
dpkg-deb --root-owner-group -Zxz --build "$R" "$DEB" >/dev/null
touch -d "@$SOURCE_DATE_EPOCH" "$DEB"
ls -l "$TARBALL" "$DEB" >&2
fyneapp_unchanged
