#!/bin/sh
# Build the discovery tests on the host, then run them inside a private
# network namespace that holds only lo (TESTING.md, "The network rule").
# Inside it the tests create further namespaces and veths of their own and
# delete them again; nothing can reach the machine's real interfaces.
#
# usage: discovery/testdata/run-in-netns.sh [test binary flags...]
#   e.g. discovery/testdata/run-in-netns.sh -test.run 'TestMultiHost'
#
# Needs root, util-linux (unshare) and iproute2 (ip). Installs Debian's
# python3-zeroconf when missing (the interop tests use it; there is no
# network inside the namespace to fetch it later). Exits 0 with a SKIP
# message when not root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")
root=$(dirname "$pkg")
GO=${GO:-go}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP discovery namespace tests: need root for unshare --net and ip netns"
	exit 0
fi
for tool in unshare ip; do
	command -v "$tool" >/dev/null || { echo "missing $tool (util-linux / iproute2)"; exit 1; }
done
if ! /usr/bin/python3 -c 'import zeroconf' 2>/dev/null && command -v apt-get >/dev/null; then
	echo "installing python3-zeroconf"
	apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-zeroconf >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && "$GO" test -c -race -o "$tmp/discovery.test" ./discovery)

# The test binary reads testdata/ relative to the package directory, and the
# dependency test runs `go list` there (offline: modules are in the cache).
cd "$pkg"
GOPROXY=off unshare --net sh -c \
	'ip link set lo up && exec "$0" -test.v -test.count=1 -test.timeout=10m "$@"' \
	"$tmp/discovery.test" "$@"
