# Nightjar: `make demo` runs the sensor on a capture shipped in the repo; `make test` runs every test.
# Both install what they need first (Debian packages as root, Go modules through the proxy).

export PATH := /usr/local/go/bin:$(PATH)
export GOTOOLCHAIN ?= auto
GO       ?= go
BIN      := bin/nightjar
SHARED   ?= $(abspath ../shared)
DEMO_OUT ?= out/demo

.PHONY: all deps build demo test vet fuzz bench bench-report clean

all: build

deps:
	@scripts/install-deps.sh
	@$(GO) mod download

build: deps
	$(GO) build -o $(BIN) ./cmd/nightjar

demo: build
	@scripts/demo.sh $(BIN) $(DEMO_OUT)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

test: build vet
	$(GO) test -count=1 -timeout 20m ./...
	@scripts/verify-ratchet.sh $(BIN) $(SHARED)

# Long fuzz campaigns (FUZZTIME per target); CI runs the seeds only, as part of go test.
FUZZTIME ?= 5m
fuzz:
	@scripts/fuzz-all.sh $(FUZZTIME)

# Go micro-benchmarks, the benchmark lab and (as root) the live replay lab; rewrites the
# generated section of bench/RESULTS.md and the charts and data in bench/report/.
bench: build
	@scripts/bench-results.sh $(BIN)

# The benchmark lab alone over generated traffic: JSON, Markdown and SVG charts in out/bench.
bench-report: build
	@scripts/bench-report.sh $(BIN) out/bench

clean:
	rm -rf bin out
