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
	$(BIN) info

test: deps
	$(SWIFT) test

clean:
	rm -rf .build
