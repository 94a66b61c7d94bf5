# Uvian Worker. `make run` and `make test` are the two entry points (see README.md).
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT ?= swift

.PHONY: run test test-deps deps build plugins clean

deps:
	bash scripts/install-deps.sh

# The C example plugin is built with plain cc against the public header, as a third party would.
plugins:
	$(MAKE) -C Plugins/examples/hello-c

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

clean:
	$(MAKE) -C Plugins/examples/hello-c clean
	rm -rf .build
