# Centinela — the two commands a fresh Debian 12 machine needs:
#   make demo   install dependencies, build, run the server with demo data on http://localhost:8080
#   make test   install dependencies (PostgreSQL 15 included), build, run every test through CTest
# Also: make build (the binary alone), make bench (benchmarks; never part of make test),
#   make lint (clang-tidy on changed files + the thread-safety check; LINT_ALL=1: all of src/).

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps deps-test deps-bench configure build web demo test test-unit test-e2e bench lint clean help

all: build

help:
	@echo "make demo   - install deps, build, run 'centinela serve --demo' on http://localhost:8080 with the simulator beside it"
	@echo "make test   - install deps (PostgreSQL 15 too), build, run unit, integration and PostgreSQL tests"
	@echo "make build  - build build/centinela"
	@echo "make web    - npm ci (when the lock file changed) and vite build of web/ into web/dist"
	@echo "make test-e2e - the browser tests alone (chromium), screenshots in build/e2e/"
	@echo "make bench  - run the benchmarks (see docs/benchmarks.md)"
	@echo "make lint   - clang-tidy on the C++ files changed since the merge base, then the"
	@echo "              clang -Wthread-safety check; LINT_ALL=1 runs clang-tidy on all of src/"

deps:
	@bash scripts/install-deps.sh --with-web

deps-test:
	@bash scripts/install-deps.sh --with-postgres --with-web --with-e2e

deps-bench:
	@bash scripts/install-deps.sh --with-postgres --with-bench

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCENTINELA_WERROR=ON \
	  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: deps configure
	ninja -C $(BUILD) -j $(JOBS) centinela

# The web app: npm ci only when package-lock.json changed, then the Vite build (a few s).
WEB_STAMP := web/node_modules/.centinela-npm-ci
$(WEB_STAMP): web/package-lock.json web/package.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web: deps $(WEB_STAMP)
	cd web && npm run build

# The server in the foreground and `centinela simulate` beside it: the simulator waits for
# /readyz, reads ./data/demo-units.json (written by serve --demo) and drives the demo units
# and neighbours through the API. Ctrl-C stops both (the shell's trap stops the simulator
# when the server ends; the simulator also stops by itself once the server is gone).
# DEMO_SIMULATE=0 runs the server alone.
DEMO_SIMULATE ?= 1
demo: build web
	@if [ "$(DEMO_SIMULATE)" != 0 ]; then \
	  ./$(BUILD)/centinela simulate --server http://127.0.0.1:8080 --units-from ./data/demo-units.json & \
	  sim=$$!; trap 'kill $$sim 2>/dev/null; wait $$sim 2>/dev/null' EXIT INT TERM; \
	fi; \
	CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP=$${CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP:-0} \
	  ./$(BUILD)/centinela serve --demo --data-dir ./data --listen 127.0.0.1:8080

test: deps-test configure web
	ninja -C $(BUILD) -j $(JOBS)
	scripts/run-tests.sh $(BUILD)

test-unit: deps configure
	ninja -C $(BUILD) -j $(JOBS)
	ctest --test-dir $(BUILD) -L unit --output-on-failure -j $(JOBS)

test-e2e: deps-test configure web
	ninja -C $(BUILD) -j $(JOBS) centinela
	ctest --test-dir $(BUILD) -L e2e --output-on-failure

bench: deps-bench configure
	ninja -C $(BUILD) -j $(JOBS)
	bench/run.sh $(BUILD)

# clang-tidy needs only compile_commands.json (written by configure), not a build.
LINT_ALL ?=
lint: deps configure
	scripts/lint.sh $(if $(LINT_ALL),--all) $(BUILD)
	scripts/thread-safety.sh $(BUILD)

clean:
	rm -rf $(BUILD)
