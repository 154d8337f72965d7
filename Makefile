# Attractor — set-up, build, demo, tests.
# `make demo` and `make test` install missing system packages themselves (Debian, as root
# or through sudo), then build with SwiftPM.

SWIFT ?= swift
CONFIG ?= release
BIN := .build/$(CONFIG)/attractor
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libgsl-dev libopenblas-dev libopenmpi-dev openmpi-bin pkgconf

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

PUZZLE := 4...3.......6..8..........1....5..9..8....6...7.2........1.27..5.3....4.9........
REPORT := .build/demo-report

demo: build
	@echo "== 1. the solver core: integrate dz/dt = tanh(Wz + b) - z (||W|| = 0.9) to its equilibrium"
	$(BIN) integrate contraction --dim 16 --until-steady --format table
	@echo "== 2. an SDE ensemble: geometric Brownian motion, Milstein, 10000 paths, moments vs exact"
	$(BIN) integrate gbm --method milstein --paths 10000 --seed 1 --format table
	@echo "== 3. the bundled CMM (tiny, 9 CPU-minutes of training): a real puzzle (magictour #1), segment by segment"
	$(BIN) solve --checkpoint cmm-tiny --quiet $(PUZZLE)
	@echo "== 4. the same puzzle through the continuous system, integrated to equilibrium by Dopri5"
	$(BIN) solve --checkpoint cmm-tiny --quiet --ode dopri5 --ode-time 32 $(PUZZLE)
	@echo "== 5. the exact answer (bit-set solver)"
	$(BIN) sudoku solve $(PUZZLE)
	@echo "== 6. accuracy on small batches: real puzzles, then 10-blank puzzles of the same grids"
	$(BIN) eval --checkpoint cmm-tiny --puzzles Data/sudoku/magictour_top1465.txt --limit 16
	$(BIN) eval --checkpoint hrm-tiny --puzzles Data/sudoku/magictour_top1465.txt --blanks 10 --limit 16
	@echo "== 7. stability validation suites (solvers, gradients, equilibrium) and a discrete-vs-continuous comparison"
	$(BIN) validate --report $(REPORT)/validate
	$(BIN) compare --checkpoints cmm-tiny,trm-tiny,hrm-tiny --puzzles Data/sudoku/magictour_top1465.txt --blanks 10 --limit 4 --report $(REPORT)/compare
	@echo "reports: $(REPORT)/validate/index.html and $(REPORT)/compare/index.html"

bench: deps
	$(SWIFT) build -c release --product SolverBenchmarks
	.build/release/SolverBenchmarks
	$(SWIFT) build -c release --product attractor
	.build/release/attractor bench kernels

# Tests run on an optimised build (-enable-testing keeps @testable imports working): the
# suite solves every shipped Sudoku (~100k puzzles) and runs order studies that would take
# minutes unoptimised. Overflow and precondition checks stay on at -O.
test: deps
	$(SWIFT) test -c release -Xswiftc -enable-testing

clean:
	rm -rf .build
