# Uvian Worker. `make run` and `make test` are the two entry points (see README.md).
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT ?= swift

.PHONY: run test test-deps deps build plugins deb clean

deps:
	bash scripts/install-deps.sh

# The example plugins are built as a third party would: the C one with plain cc against the public
# header, the Rust one with cargo alone (no crates; Debian's packaged cargo will do).
plugins:
	$(MAKE) -C Plugins/examples/hello-c
	$(MAKE) -C Plugins/examples/hello-rust

build: deps plugins
	$(SWIFT) build

## Builds everything and runs the worker on the embedded SQLite backends (Ctrl-C to stop).
run: build
	.build/debug/uvian-worker serve

## Builds everything, tests included, and runs the test suites: Swift, then BullMQ interop (Python).
test: test-deps plugins
	bash scripts/run-tests.sh

test-deps:
	bash scripts/install-deps.sh --test

## Builds the Debian package (release build; needs dpkg-dev, patchelf, fakeroot) into .build/deb.
deb: deps
	bash scripts/build-deb.sh

clean:
	$(MAKE) -C Plugins/examples/hello-c clean
	$(MAKE) -C Plugins/examples/hello-rust clean
	rm -rf .build
