#!/bin/sh
# End-to-end test of real `grove` processes on a LAN of network namespaces
# (TESTING.md, "The network rule"): build the binary on the host (module
# downloads need the network), then run `go test` inside a private network
# namespace that holds only lo. The test creates further namespaces, veths
# and a bridge of its own, runs every grove with `ip netns exec` and
# --interfaces set to its veth, and deletes them again.
#
# usage: sync/e2e/run.sh [go test flags...]   e.g. sync/e2e/run.sh -run TestLANSync
#        GROVE_E2E_BIN=bin/grove sync/e2e/run.sh   (use a built binary)
#        GROVE_E2E_RACE=1 sync/e2e/run.sh          (build grove with -race; a
#                                                  data race fails the test)
#
# Needs root, util-linux (unshare), iproute2 (ip) and the build packages of
# the Makefile (cgo, X headers). Exits 0 with a SKIP line when not root.
# Takes about 2 minutes.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP grove end-to-end test: need root for unshare --net and ip netns"
	exit 0
fi
for tool in unshare ip; do
	command -v "$tool" >/dev/null || { echo "missing $tool (util-linux / iproute2)"; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config" "$tmp/cache"
export LANG=en_US.UTF-8 XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
cd "$root"
bin=${GROVE_E2E_BIN:-}
if [ -z "$bin" ]; then
	race=
	[ -n "${GROVE_E2E_RACE:-}" ] && race=-race
	echo "building grove $race"
	"$GO" build $race -o "$tmp/grove" .
	bin="$tmp/grove"
fi
case $bin in /*) ;; *) bin="$root/$bin" ;; esac
# Compile the test once on the host too, so nothing is left to download.
"$GO" test -count=1 -run '^$' ./sync/e2e/ >/dev/null

# Inside the namespace there is no network: modules come from the cache.
GROVE_E2E_BIN="$bin" GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-mod=readonly \
	unshare --net sh -c 'ip link set lo up && exec "$0" test -count=1 -v -timeout 6m "$@" ./sync/e2e/' \
	"$GO" "$@"
