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

fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg > /tmp/grove-fuzz.log 2>&1 || { cat /tmp/grove-fuzz.log; exit 1; }; \
		done; \
	done

# bench runs the Go benchmarks, then the contacts sync workload between two
# grove processes (N=10,000 and 100,000; BENCH_N to change).
BENCH_N ?= 10000,100000
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./replica/... ./sync/... ./schema/...
	$(GO) run ./sync/bench --grove $(BIN) --n $(BENCH_N)

clean:
	rm -rf bin
