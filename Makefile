# Grove: build, run and test on Debian/Ubuntu. `make run` and `make test`
# install the system packages they need first (with sudo when not root).

GO      ?= go
BIN     ?= bin/grove
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FUZZTIME ?= 8s

# Fyne's OpenGL/GLFW driver is compiled with cgo against these headers.
DEB_BUILD := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev
# Real-window smoke tests and network-namespace tests.
DEB_TEST  := xvfb xauth xdotool imagemagick x11-utils iproute2 util-linux python3-zeroconf

export LANG ?= en_US.UTF-8

.PHONY: run build deps deps-test test test-go test-netns test-e2e fuzz bench vet clean

run: build
	./$(BIN) $(if $(DATA),--data $(DATA))

build: deps
	$(GO) build -o $(BIN) .

# deps installs the missing Debian packages, and nothing when all are there.
deps:
	@missing=$$(for p in $(DEB_BUILD); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

deps-test: deps
	@missing=$$(for p in $(DEB_TEST); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

# test runs everything: formatting and vet, every test with the race
# detector, and a short run of every fuzz target.
test: deps-test vet test-go test-netns test-e2e fuzz

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test-go:
	XDG_CONFIG_HOME=$$(mktemp -d) XDG_CACHE_HOME=$$(mktemp -d) $(GO) test -race -count=1 ./...

# Discovery sends real mDNS packets: only inside private network namespaces
# (root; skipped otherwise).
test-netns:
	GO=$(GO) discovery/testdata/run-in-netns.sh

# End to end: real grove processes on a LAN of network namespaces (root;
# skipped otherwise).
test-e2e: build
	GO=$(GO) GROVE_E2E_BIN=$(CURDIR)/$(BIN) sync/e2e/run.sh

# Go 1.26's fuzz coordinator can report a bare "context deadline exceeded"
# when -fuzztime ends while a worker is mid-call (golang/go#75804, fixed in
# Go 1.27). That run found nothing and wrote no failing input: it is run
# once more. Anything else, or a written failing input, fails at once.
fuzz:
	@set -e; log=$$(mktemp); for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			for try in 1 2; do \
				echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
				if $(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg > $$log 2>&1; then break; fi; \
				if [ $$try = 1 ] && grep -q 'context deadline exceeded' $$log && \
					! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' $$log; then \
					echo "  fuzz coordinator deadline race (golang/go#75804), nothing found; running again"; continue; fi; \
				cat $$log; exit 1; \
			done; \
		done; \
	done; rm -f $$log

# bench runs the Go benchmarks, then the contacts sync workload between two
# grove processes (N=10,000 and 100,000; BENCH_N to change).
BENCH_N ?= 10000,100000
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./replica/... ./sync/... ./schema/...
	$(GO) run ./sync/bench --grove $(BIN) --n $(BENCH_N)

clean:
	rm -rf bin

# ---------------------------------------------------------------------------
# Packages: `make package` builds, into dist/, the Linux .tar.xz (fyne
# package) and .deb, the Windows installer (cross-compiled with MinGW-w64,
# packed with NSIS) and SHA256SUMS; `make package-check` builds them and
# checks them. The scripts are in assets/packaging/; the macOS .app and .dmg
# are built on a Mac (assets/packaging/darwin.sh) or by
# .github/workflows/release.yml. Packaging works on a staged copy of the
# source, so FyneApp.toml (whose Build `fyne package` bumps) is left as is.
DIST         ?= dist
DEB_PACKAGE  := xz-utils dpkg-dev make
DEB_WINDOWS  := gcc-mingw-w64-x86-64 nsis
DEB_CHECK    := desktop-file-utils osslsigncode file 7zip xvfb xauth xdotool
PKG_VERSION  := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml | head -n 1)
PACKAGE_ENV   = DIST="$(abspath $(DIST))" GO="$(GO)"

# apt-install installs the Debian packages among $(1) that are missing.
define apt-install
@command -v dpkg-query >/dev/null || { echo "not Debian/Ubuntu: install $(1) yourself"; exit 0; }; \
missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
if [ -n "$$missing" ]; then \
	echo "installing: $$missing"; \
	$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
fi
endef

.PHONY: package package-linux package-windows package-sums package-check \
	package-check-linux package-check-windows deps-package deps-package-windows \
	deps-package-check package-clean

package: package-linux package-windows
	@$(MAKE) --no-print-directory package-sums

package-linux: deps deps-package
	$(PACKAGE_ENV) bash assets/packaging/linux.sh

package-windows: deps-package deps-package-windows
	$(PACKAGE_ENV) bash assets/packaging/windows.sh

# package-sums writes SHA256SUMS for this version's packages in $(DIST).
package-sums:
	cd $(DIST) && ls grove-$(PKG_VERSION)-*.tar.xz grove_$(PKG_VERSION)-*.deb \
		grove-$(PKG_VERSION)-*-setup.exe grove-$(PKG_VERSION)-*.dmg 2>/dev/null | \
		LC_ALL=C sort | xargs sha256sum > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

package-check: package deps-package-check
	$(PACKAGE_ENV) bash assets/packaging/check.sh linux windows

package-check-linux: package-linux deps-package-check
	$(PACKAGE_ENV) bash assets/packaging/check.sh linux

package-check-windows: package-windows deps-package-check
	$(PACKAGE_ENV) bash assets/packaging/check.sh windows

deps-package:
	$(call apt-install,$(DEB_PACKAGE))

deps-package-windows:
	$(call apt-install,$(DEB_WINDOWS))

deps-package-check:
	$(call apt-install,$(DEB_CHECK))

package-clean:
	rm -rf $(DIST)
