# kraftbench: build, test and benchmark targets. Every target does its own
# set-up; `make test` is what CI runs (through .ci/run).

GO        ?= go
BIN       := bin
PKG       := github.com/kraftbench/kraftbench
REVISION  := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DIRTY     := $(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)
LDFLAGS   := -X $(PKG)/internal/buildinfo.Revision=$(REVISION)$(DIRTY)
TESTFLAGS ?= -count=1 -timeout 20m

.PHONY: all build test test-short vet fmt fuzz clean help bench bench-startup bench-topics bench-propagation deps

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

build: ## build bin/kraftbench and bin/kbnode (static)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

vet: ## go vet and gofmt check
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

test: build vet ## run every test (needs kcat, Java and Debian's zookeeper: see scripts/install-deps.sh)
	$(GO) test $(TESTFLAGS) ./...

test-short: ## unit tests only (no ZooKeeper ensembles, no containers)
	$(GO) test -short -count=1 ./...

FUZZTIME ?= 60s
fuzz: ## fuzz the Kafka frame decoder for FUZZTIME (default 60s)
	$(GO) test -run '^$$' -fuzz FuzzHandleFrame -fuzztime $(FUZZTIME) ./cluster/front

deps: ## install the Debian packages tests and local clusters use (kcat, zookeeper, java)
	bash scripts/install-deps.sh

RESULTS ?= results/scratch
BENCHFLAGS ?=

bench: deps build ## the main job: topics (create/delete) on ZooKeeper mode vs KRaft mode, side by side
	./$(BIN)/kraftbench bench --scenario workloads/scenarios/topics.yaml -o $(RESULTS) $(BENCHFLAGS)

bench-topics: deps build ## topics closed loop, then open loop (coordinated omission corrected)
	./$(BIN)/kraftbench bench --scenario workloads/scenarios/topics.yaml -o $(RESULTS) $(BENCHFLAGS)
	./$(BIN)/kraftbench bench --scenario workloads/scenarios/topics-open-loop.yaml -o $(RESULTS) $(BENCHFLAGS)

bench-propagation: deps build ## CreateTopics ack until every broker serves the topic
	./$(BIN)/kraftbench bench --scenario workloads/scenarios/propagation.yaml -o $(RESULTS) $(BENCHFLAGS)

bench-startup: deps build ## cold start of a cluster holding 100 topics / 1000 partitions
	./$(BIN)/kraftbench bench --scenario workloads/scenarios/startup.yaml -o $(RESULTS) $(BENCHFLAGS)

clean: ## remove built binaries
	rm -rf $(BIN)

.PHONY: images
images: ## build the docker provider's images (node, zookeeper) unless current ones exist; prints the time taken
	$(GO) run ./scripts/images/build
