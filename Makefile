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
# A grid no bundled model saw in training (serg_benchmark #1's solution; that collection is
# not a training source), re-blanked to 10 cells with a unique solution.
HELDOUT := .147623592.53.867137.159824153.267986895.124374289.165537284.169216354.746891753.
REPORT := .build/demo-report

demo: build
	@echo "== 1. the solver core: integrate dz/dt = tanh(Wz + b) - z (||W|| = 0.9) to its equilibrium"
	$(BIN) integrate contraction --dim 16 --until-steady --format table
	@echo "== 2. an SDE ensemble: geometric Brownian motion, Milstein, 10000 paths, moments vs exact"
	$(BIN) integrate gbm --method milstein --paths 10000 --seed 1 --format table
	@echo "== 3. the bundled CMM (tiny, 90 CPU-minutes of training) on a grid it never saw, 10 blanks, segment by segment"
	$(BIN) solve --checkpoint cmm-tiny --quiet $(HELDOUT)
	@echo "== 4. the same puzzle, up to 8 trajectories (permuted copies, random starts, noise), each answer checked against the rules"
	$(BIN) solve --checkpoint cmm-tiny --quiet --samples 8 --sigma 0.05 --start-scale 0.1 $(HELDOUT)
	@echo "== 5. a hard original puzzle (magictour #1) through the continuous system, integrated to equilibrium by Dopri5, and its exact answer"
	$(BIN) solve --checkpoint cmm-tiny --quiet --ode dopri5 --ode-time 32 $(PUZZLE)
	$(BIN) sudoku solve $(PUZZLE)
	@echo "== 6. exact accuracy on 32 unseen grids with 10 blanks (serg_benchmark solutions re-blanked): one trajectory, then up to 8 certified ones"
	$(BIN) eval --checkpoint cmm-tiny --puzzles Data/sudoku/serg_benchmark.txt --blanks 10 --limit 32
	$(BIN) eval --checkpoint trm-tiny --puzzles Data/sudoku/serg_benchmark.txt --blanks 10 --limit 32
	$(BIN) eval --checkpoint cmm-tiny --puzzles Data/sudoku/serg_benchmark.txt --blanks 10 --limit 32 --samples 8 --sigma 0.05 --start-scale 0.1
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
