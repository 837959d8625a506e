# Shared by Grove's packaging scripts (sourced, not run).
#
# Every package is built from a staged copy of the source (the files git
# would commit: tracked and untracked-but-not-ignored), never in the
# checkout itself: `fyne package` writes temporary files into the source
# folder (fyne_metadata_init.go, fyne.syso, the binary) and bumps Build in
# FyneApp.toml on every run. In the copy that cannot disturb a concurrent
# `go build`/`go test`, and the checkout's FyneApp.toml stays as it was.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIST=${DIST:-$ROOT/dist}
GO=${GO:-go}
export LC_ALL=C TZ=UTC

toml() { # toml KEY: a string or integer in FyneApp.toml's [Details]
	tr -d '\r' < "$ROOT/FyneApp.toml" |
		sed -n "/^\[Details\]/,/^\[/s/^$1 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *\$/\1/p" | head -n 1
}
VERSION=$(toml Version)
BUILD=$(toml Build)
APP_ID=$(toml ID)
APP_NAME=$(toml Name)
: "${VERSION:?no Version in FyneApp.toml}" "${BUILD:?no Build in FyneApp.toml}"
cli_version=$(tr -d '\r' < "$ROOT/app/cli/cli.go" | sed -n 's/^const Version = "\(.*\)"$/\1/p')
if [ "$cli_version" != "$VERSION" ]; then
	echo "FyneApp.toml Version $VERSION differs from app/cli Version $cli_version" >&2
	exit 1
fi

# SOURCE_DATE_EPOCH: the last commit's time unless given, so that the same
# commit packs to the same bytes (tar and deb mtimes, NSIS, PE headers).
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 1735689600)
fi
export SOURCE_DATE_EPOCH

# -trimpath and no VCS stamp: the binary does not depend on where or from
# which checkout state it was built. (`fyne package --release` also passes
# -trimpath and -ldflags "-s -w".)
export GOFLAGS="-buildvcs=false -trimpath -mod=readonly"

# EXE: ".exe" when this machine is Windows (MSYS2), for tools built here.
EXE=$(env -u GOOS "$GO" env GOEXE)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# stage_source DIR: copy the source tree into DIR (emptied first).
stage_source() {
	local dir=$1
	rm -rf "$dir"
	mkdir -p "$dir"
	if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard --deduplicate |
			while IFS= read -r -d '' f; do
				[ -f "$f" ] && printf '%s\0' "$f"
			done | tar --null -T - -cf -) | tar -xf - -C "$dir"
	else
		(cd "$ROOT" && tar --exclude=./dist --exclude=./bin --exclude=./.git -cf - .) | tar -xf - -C "$dir"
	fi
	rm -rf "$dir/dist" "$dir/bin"
}

# fyne_tool DIR: build the pinned fyne tool (go.mod's tool dependency) for
# this machine into DIR/fyne and print its path. Built once, outside any
# GOOS/GOARCH of the package being made.
fyne_tool() {
	local out=$1/fyne$EXE
	(cd "$ROOT" && env -u GOOS -u GOARCH -u CC -u CGO_ENABLED "$GO" build -o "$out" fyne.io/tools/cmd/fyne)
	echo "$out"
}

# normalize_tree DIR: fixed modes and mtimes, for reproducible archives.
normalize_tree() {
	find "$1" -type d -exec chmod 0755 {} +
	find "$1" -type f -exec chmod u+rw,go+r,go-w {} +
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# FyneApp.toml must come out of packaging as it went in (`fyne package`
# bumps Build, but only in the staged copy).
fyneapp_before=$(cksum < "$ROOT/FyneApp.toml")
fyneapp_unchanged() {
	if [ "$(cksum < "$ROOT/FyneApp.toml")" != "$fyneapp_before" ]; then
		echo "FyneApp.toml changed while packaging" >&2
		return 1
	fi
}
