# Centinela — the two commands a fresh Debian 12 machine needs:
#   make demo   install dependencies, build, run the server with demo data on http://localhost:8080
#   make test   install dependencies (PostgreSQL 15 included), build, run every test through CTest
# Also: make build (the binary alone), make bench (benchmarks; never part of make test).

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps deps-test deps-bench configure build demo test test-unit bench clean help

all: build

help:
	@echo "make demo   - install deps, build, run 'centinela serve --demo' on http://localhost:8080"
	@echo "make test   - install deps (PostgreSQL 15 too), build, run unit, integration and PostgreSQL tests"
	@echo "make build  - build build/centinela"
	@echo "make bench  - run the benchmarks (see docs/benchmarks.md)"

deps:
	@scripts/install-deps.sh

deps-test:
	@scripts/install-deps.sh --with-postgres

deps-bench:
	@scripts/install-deps.sh --with-postgres --with-bench

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCENTINELA_WERROR=ON $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: deps configure
	ninja -C $(BUILD) -j $(JOBS) centinela

demo: build
	./$(BUILD)/centinela serve --demo --data-dir ./data --listen 127.0.0.1:8080

test: deps-test configure
	ninja -C $(BUILD) -j $(JOBS)
	scripts/run-tests.sh $(BUILD)

test-unit: deps configure
	ninja -C $(BUILD) -j $(JOBS)
	ctest --test-dir $(BUILD) -L unit --output-on-failure -j $(JOBS)

bench: deps-bench configure
	ninja -C $(BUILD) -j $(JOBS)
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
