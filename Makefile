# The README's test command is `make test`; CI (.ci/run) runs `make ci` (image first, and the Go
# tests last in `make test`, so the test runner's summary closes the log).
GO        ?= go
BIN       := mongodbatlas_restore_exporter
PKG       := github.com/prometheus/common/version
VERSION   := $(shell cat VERSION)
REVISION  := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH    := $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
BUILDUSER := $(shell whoami)@$(shell hostname)
BUILDDATE := $(shell date -u +%Y%m%d-%H:%M:%S)
VERSION_LDFLAGS := -X $(PKG).Version=$(VERSION) -X $(PKG).Revision=$(REVISION) \
             -X $(PKG).Branch=$(BRANCH) -X $(PKG).BuildUser=$(BUILDUSER) -X $(PKG).BuildDate=$(BUILDDATE)
LDFLAGS   := -s -w $(VERSION_LDFLAGS)
# One image name everywhere: the manifests, the chart and the README use it too.
IMAGE_REPO ?= ghcr.io/atlasrestore/mongodbatlas-restore-exporter
IMAGE     ?= $(IMAGE_REPO):$(VERSION)
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt

.PHONY: binary-check screenshot reliability fuzz bench all build run-demo test test-short deps lint fmt-check vet unit rules deploy-test generate image ci clean

all: test build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

## binary-check: the release build links no test code. `go tool nm` needs the symbol table that
## the release's -s strips, so this links the same packages, less -s -w, and fails on any symbol
## of the fault injection or of the test helpers. It builds with the flags vet and the tests use:
## cgo and -trimpath change no import of ours, and the release's own (CGO_ENABLED=0, -trimpath)
## would compile every package once more, half a minute on a cold cache.
TEST_ONLY_SYMBOLS := atlastest/faults\.|\(\*Fault\)|InjectFault|/internal/harness\.|/internal/testkit\.
binary-check:
	mkdir -p .build
	$(GO) build -ldflags '$(VERSION_LDFLAGS)' -o .build/$(BIN)-symbols .
	$(GO) tool nm .build/$(BIN)-symbols > .build/$(BIN)-symbols.txt
	@test -s .build/$(BIN)-symbols.txt || { echo "binary-check: go tool nm listed no symbol"; exit 1; }
	@if grep -E '$(TEST_ONLY_SYMBOLS)' .build/$(BIN)-symbols.txt > .build/test-only-symbols.txt; then \
		echo "test-only code in the release binary:"; head -20 .build/test-only-symbols.txt; exit 1; fi; \
	echo "binary-check: no test-only symbol in $$(wc -l < .build/$(BIN)-symbols.txt) symbols"

run-demo:
	$(GO) run . --demo

## test: the whole suite: formatting, vet, staticcheck, no test code in the binary, every Go
## test with the race detector (the end-to-end suite included), the alert and recording rule
## tests, and the deploy module's checks.
test: deps fmt-check vet lint binary-check rules deploy-test unit

## deps: the suite runs real Prometheus and Alertmanager, and a headless Chromium for the pages;
## install Debian's packages when missing and we can (root with apt-get), else say what to install.
TOOLS    := promtool prometheus prometheus-alertmanager chromium
PACKAGES := prometheus prometheus-alertmanager chromium fonts-dejavu-core
deps:
	@missing=""; for t in $(TOOLS); do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing $(PACKAGES) for:$$missing"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(PACKAGES); \
		else \
			echo "missing:$$missing; run: sudo apt-get install $(PACKAGES)"; exit 1; \
		fi; \
	fi

fmt-check:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.build/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	cd deploy && $(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...

## test-short: the quick check while editing: formatting, vet, and every Go test but the
## end-to-end suite, without the race detector. CI runs `make test`. The parallel tests mostly
## wait on simulated latency and deadlines, so four at a time fit two cores; `make test`, which
## also runs the race detector and the e2e suite, keeps the default of one per core.
test-short: fmt-check vet
	$(GO) test -count=1 -parallel 4 $$($(GO) list ./... | grep -v /e2e)

## lint: staticcheck, built from its module (a tool of deploy/go.mod), over both modules.
lint:
	mkdir -p .build
	cd deploy && $(GO) build -o ../.build/staticcheck honnef.co/go/tools/cmd/staticcheck
	.build/staticcheck ./...
	cd deploy && ../.build/staticcheck ./...

rules:
	promtool check rules deploy/prometheus/alerts.yml deploy/prometheus/rules.yml
	promtool test rules deploy/prometheus/tests/*.yml

deploy-test:
	cd deploy && $(GO) test -count=1 ./...


## generate: rebuild from their sources the alerts, recording rules and dashboard (from the mixin,
## the rule files into the chart too), the PrometheusRule and the chart's values schema.
generate:
	cd deploy && $(GO) generate ./...

## fuzz: each fuzz target for FUZZTIME; their seed corpora already run in every `make test`.
FUZZTIME ?= 1m
# FUZZMINIMIZE bounds how long a new input is minimized before fuzzing goes on: Go minimizes a
# JSON document byte by byte, and with the default (60s) a one-minute run can spend its whole
# time minimizing its first new input (measured: 9 executions in a minute). A crasher is still
# written whole, and reproduces as it is.
FUZZMINIMIZE ?= 1x
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./config/
	$(GO) test -run '^$$' -fuzz '^FuzzLegacyJob$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./collector/
	$(GO) test -run '^$$' -fuzz '^FuzzCloudBackupJob$$' -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./collector/

## reliability: the fault matrix, a large load and soak run, and each fuzz target for FUZZTIME,
## written to RELIABILITY.md. RELIABILITY_SCALE multiplies the soak's 400 scrapes.
RELIABILITY_SCALE ?= 50
reliability:
	mkdir -p .build
	$(GO) test -count=1 -v -run 'TestFailingTargets|TestLoad|TestSoak' ./scrape/ > .build/reliability.txt || { cat .build/reliability.txt; exit 1; }
	for t in FuzzParse:./config/ FuzzLegacyJob:./collector/ FuzzCloudBackupJob:./collector/; do \
		echo "go test -run '^$$' -fuzz '^$${t%%:*}$$'" >> .build/reliability.txt; \
		$(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $${t#*:} >> .build/reliability.txt 2>&1 || exit 1; \
	done
	RELIABILITY_SCALE=$(RELIABILITY_SCALE) $(GO) test -count=1 -v -run 'TestSoak' ./scrape/ > .build/soak.txt || { cat .build/soak.txt; exit 1; }
	grep RELIABILITY .build/soak.txt | sed 's/soak_/soak_large_/' >> .build/reliability.txt
	$(GO) run ./tools/reliabilityreport -command "make reliability FUZZTIME=$(FUZZTIME)" < .build/reliability.txt > RELIABILITY.md

## bench: the scale benchmarks against the simulator (50 ms per request), written to BENCHMARKS.md.
BENCHTIME ?= 3x
# CPU_BENCHTIME is how many warm scrapes ProcessCPU averages: a few are as noisy as the shared machine.
CPU_BENCHTIME ?= 30x
bench:
	mkdir -p .build
	$(GO) test -run '^$$' -bench 'ColdScrape|WarmScrape|SnapshotReads|Encode|RecordMemory|RecoveryRecord|DecodePage' -benchmem -benchtime=$(BENCHTIME) ./scrape/ ./collector/ ./server/ ./atlas/ > .build/bench.txt || { cat .build/bench.txt; exit 1; }
	$(GO) test -run '^$$' -bench 'PeakRSS|Organisation' -benchtime=$(BENCHTIME) -timeout 30m ./scrape/ >> .build/bench.txt || { cat .build/bench.txt; exit 1; }
	$(GO) test -run '^$$' -bench 'ProcessCPU' -benchtime=$(CPU_BENCHTIME) ./scrape/ >> .build/bench.txt || { cat .build/bench.txt; exit 1; }
	cat .build/bench.txt
	$(GO) run ./tools/benchreport -command "make bench" < .build/bench.txt > BENCHMARKS.md

## screenshot: the README's picture of /recovery, taken from the demo 45 seconds in (a restore
## has failed, others have finished) with headless Chromium.
SHOT_ADDR ?= 127.0.0.1:19216
screenshot:
	mkdir -p .build docs
	$(GO) build -o .build/$(BIN)-demo .
	.build/$(BIN)-demo --demo --web.listen-address=$(SHOT_ADDR) --log.level=warn & pid=$$!; \
	sleep 45; \
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1440,1500 \
		--user-data-dir=.build/chromium --screenshot=docs/recovery.png http://$(SHOT_ADDR)/recovery; rc=$$?; \
	kill $$pid; exit $$rc

## image: a static binary in a FROM scratch image, built offline with buildah.
image:
	mkdir -p .build
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o .build/$(BIN) .
	cp $(CA_BUNDLE) .build/ca-certificates.crt
	buildah --storage-driver vfs bud --isolation chroot \
		--build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) -t $(IMAGE) .
	buildah --storage-driver vfs inspect --type image \
		--format '{{.OCIv1.Config.User}} {{.OCIv1.Config.ExposedPorts}} {{.OCIv1.Config.Entrypoint}}' $(IMAGE)
	@# Smoke test: the static binary starts inside the image.
	ctr=$$(buildah --storage-driver vfs from $(IMAGE)); \
	buildah --storage-driver vfs run --isolation chroot $$ctr -- /bin/$(BIN) --version; rc=$$?; \
	buildah --storage-driver vfs rm $$ctr >/dev/null; exit $$rc
	@# buildah here stores with the vfs driver, which a default podman or docker does not read:
	@# hand the image over as an archive.
	rm -f .build/image.tar
	buildah --storage-driver vfs push $(IMAGE) docker-archive:.build/image.tar:$(IMAGE)
	@echo "image $(IMAGE) written to .build/image.tar: load it with 'podman load -i .build/image.tar' (or docker load), then push it to your registry"

ci: image test

clean:
	rm -rf .build $(BIN)
