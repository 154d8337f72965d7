# Attractor — set-up, build, demo, tests.
# `make demo` and `make test` install missing system packages themselves (Debian, as root
# or through sudo), then build with SwiftPM.

SWIFT ?= swift
CONFIG ?= release
BIN := .build/$(CONFIG)/attractor
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libgsl-dev libopenblas-dev

.PHONY: all deps build demo test bench clean

all: build

# Install GSL and OpenBLAS headers/libraries when missing.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG) --product attractor

demo: build
	@echo "== attractor: integrate dz/dt = tanh(Wz + b) - z (||W|| = 0.9) to its equilibrium"
	$(BIN) integrate contraction --dim 16 --until-steady --format table
	@echo "== the same with the adaptive solver vs GSL's rk8pd reference on Lorenz"
	$(BIN) integrate lorenz --method dopri5 --rtol 1e-8 --atol 1e-10 --format table
	$(BIN) integrate lorenz --method gsl-rk8pd --rtol 1e-8 --atol 1e-10 --format table
	@echo "== an SDE ensemble: geometric Brownian motion, Milstein, 10000 paths, moments vs exact"
	$(BIN) integrate gbm --method milstein --paths 10000 --seed 1 --format table

bench: deps
	$(SWIFT) build -c release --product SolverBenchmarks
	.build/release/SolverBenchmarks

# Tests run on an optimised build (-enable-testing keeps @testable imports working): the
# suite solves every shipped Sudoku (~100k puzzles) and runs order studies that would take
# minutes unoptimised. Overflow and precondition checks stay on at -O.
test: deps
	$(SWIFT) test -c release -Xswiftc -enable-testing

clean:
	rm -rf .build
