# kraftbench: build, test and benchmark targets. Every target does its own
# set-up; `make test` is what CI runs (through .ci/run).

GO        ?= go
BIN       := bin
PKG       := github.com/kraftbench/kraftbench
REVISION  := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DIRTY     := $(shell git diff --quiet HEAD 2>/dev/null || echo +dirty)
LDFLAGS   := -X $(PKG)/internal/buildinfo.Revision=$(REVISION)$(DIRTY)
TESTFLAGS ?= -count=1 -timeout 20m

.PHONY: all build test test-short test-short-check vet fmt fuzz clean help deps bench bench-startup bench-topics bench-propagation bench-operations bench-ci bench-ci-baseline bench-failover bench-chaos bench-chaos-ci bench-scale

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

build: ## build bin/kraftbench and bin/kbnode (static)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

vet: ## go vet, gofmt check, and no tracked file that .gitignore ignores (a built binary)
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi
	@out=$$(git ls-files -ci --exclude-standard); if [ -n "$$out" ]; then echo "tracked but ignored by .gitignore (git rm --cached them):"; echo "$$out"; exit 1; fi

test: deps build vet ## run every test, unit and integration (installs kcat, Java and Debian's zookeeper first: scripts/install-deps.sh)
	$(GO) test $(TESTFLAGS) ./...

# -short skips every test that calls testbin.NeedIntegration (internal/testbin):
# those that start ZooKeeper, a node process, a Raft quorum on disk over
# loopback, a container or Prometheus.
test-short: ## unit tests on fakes only: no ZooKeeper, node process, Raft quorum, container or Prometheus (about 35 s on 2 shared cores with a warm build cache; test-short-check proves it)
	$(GO) test -short -count=1 ./...

test-short-check: ## test-short while sampling processes every 0.2 s (scripts/count-procs.sh): fails if it started ZooKeeper, kbnode, Prometheus or a container
	bash scripts/count-procs.sh $(MAKE) --no-print-directory test-short

FUZZTIME ?= 60s
fuzz: ## fuzz the Kafka frame decoder for FUZZTIME (default 60s)
	$(GO) test -run '^$$' -fuzz FuzzHandleFrame -fuzztime $(FUZZTIME) ./cluster/front

deps: ## install the Debian packages tests and local clusters use (kcat, zookeeper, java)
	bash scripts/install-deps.sh

# Each bench-* target writes its results under results/<name>/ (runs add up:
# re-running adds repetitions to the same report) and renders
# results/<name>/report.md with its plots. BENCHFLAGS passes flags to
# `kraftbench bench` (e.g. BENCHFLAGS="--provider local --repetitions 5").
BENCHFLAGS ?=
KB := ./$(BIN)/kraftbench

# KAFKA_VERSION=4.1 runs a bench-* target with the nodes modelling Kafka 4.1
# (KRaft only: pre-vote, fast high-watermark propagation) into the same
# folder; the report shows "KRaft 4.1" beside the 3.9 series (kafka.version,
# docs/fidelity.md). Empty: 3.9, both modes.
KAFKA_VERSION ?=
ifneq ($(KAFKA_VERSION),)
BENCHFLAGS += --kafka-version $(KAFKA_VERSION) $(if $(filter-out 3.9,$(KAFKA_VERSION)),--modes kraft)
endif

define bench-run
	$(KB) bench --scenario workloads/scenarios/$(1).yaml -o results/$(2) $(BENCHFLAGS)
endef

bench: bench-startup ## the main job (= bench-startup)

bench-startup: deps build ## cold start with 100 topics / 1000 partitions, both modes; report in results/startup
	$(call bench-run,startup,startup)
	$(KB) report results/startup

bench-topics: deps build ## CreateTopics/DeleteTopics closed and open loop with the store floor; report in results/topics
	$(call bench-run,topics,topics)
	$(call bench-run,topics-open-loop,topics)
	$(KB) report results/topics

bench-propagation: deps build ## CreateTopics ack until every broker serves it; report in results/propagation
	$(call bench-run,propagation,propagation)
	$(KB) report results/propagation

bench-operations: deps build ## topic config changes, CreatePartitions and reassignments (1k partitions; reassignments also at 10k into results/operations-10k), both modes, until every broker serves them; report in results/operations
	$(call bench-run,configs,operations)
	$(call bench-run,partitions,operations)
	$(call bench-run,reassign,operations)
	$(KB) bench --scenario workloads/scenarios/reassign.yaml --param partitions=1000 -o results/operations-10k $(BENCHFLAGS)
	$(KB) report results/operations
	$(KB) report results/operations-10k

PROFILE ?= kafka-defaults

bench-failover: deps build ## kill, stop, pause, partition of the active controller and a broker under a probe load, both modes, docker, 3 repetitions (about 15 min), then of each mode's store (ZooKeeper server, leader, quorum; standby controller, controller quorum; about 10 min); PROFILE=tuned for the tuned timeouts; report in results/failover
	$(KB) bench --scenario workloads/scenarios/failover.yaml --profile $(PROFILE) -o results/failover $(BENCHFLAGS)
	$(KB) bench --scenario workloads/scenarios/failover-store.yaml --profile $(PROFILE) -o results/failover $(BENCHFLAGS)
	$(KB) report results/failover

SEED ?= 1

bench-chaos: deps build ## chaos soak: 100 seeded faults per mode (every kind and target, overlapping pairs) under a probe load, safety checked after each; docker (about 30 min); SEED=n for another schedule; report in results/chaos
	$(KB) bench --scenario workloads/scenarios/chaos.yaml --param seed=$(SEED) -o results/chaos $(BENCHFLAGS)
	$(KB) report results/chaos

bench-chaos-ci: deps build ## the chaos soak's CI form: 10 faults per mode, local provider (about 2 min)
	$(KB) bench --scenario workloads/scenarios/ci-chaos.yaml --param seed=$(SEED) -o results/scratch/ci-chaos $(BENCHFLAGS)

PARTITIONS ?= 1000,10000,100000

bench-scale: deps build ## a cluster growing through PARTITIONS (default 1000,10000,100000; up to 1000000): create, controlled shutdown, controller kill -9, cold start, memory; both modes, local (about 35 min on 2 cores, most of it the brokers making 100k replica logs); report in results/scale
	$(KB) bench --scenario workloads/scenarios/scale.yaml --param partitions=$(PARTITIONS) -o results/scale $(BENCHFLAGS)
	$(KB) report results/scale

SCALE_FS ?= /var/tmp/kraftbench-scale
# ZooKeeper's heap for the 1M sweep: at 100k partitions a server held 292 MiB
# resident and grew 1.83 KiB per partition, so 1M needs about 2 GiB, beyond
# the 512 MiB Kafka's zookeeper-server-start.sh gives
SCALE_ZK_HEAP_MB ?= 4096
# The 1M sweep takes about two hours per mode here (creating the 900k
# partitions of the last step is bound by the brokers making 2.7M replica
# logs), so it can run one mode at a time: SCALE_MODES=zk, then
# SCALE_MODES=kraft; both results land in results/scale. --keep-files: the
# run directory goes with the image at the end instead of file by file (20
# minutes for 2M replica logs)
SCALE_MODES ?= zk,kraft

.PHONY: bench-scale-1m
bench-scale-1m: deps build ## bench-scale through 1,000,000 partitions (about 2 h per mode; SCALE_MODES=zk or kraft for one), its replica logs on an ext4 with room for 3M of them (scripts/scale-fs.sh: a loop-mounted image at SCALE_FS, needs root; removed after); report in results/scale
	@tmp=$$(scripts/scale-fs.sh up $(SCALE_FS)) && trap 'scripts/scale-fs.sh down $(SCALE_FS)' EXIT && \
	  env $$tmp $(KB) bench --scenario workloads/scenarios/scale.yaml --param partitions=1000,10000,100000,1000000 --zk-heap-mb $(SCALE_ZK_HEAP_MB) --modes $(SCALE_MODES) --keep-files -o results/scale $(BENCHFLAGS) && \
	  $(KB) report results/scale

# A migration happens once per cluster, so each partition count gets its own
# run (and cluster); a run that fails its checks does not stop the others.
MIGRATION_PARTITIONS ?= 1000,10000,100000

.PHONY: bench-migration
bench-migration: deps build ## ZooKeeper-to-KRaft online migration (start, roll each broker, finalize) under a probe load, one run per count of MIGRATION_PARTITIONS (default 1000,10000,100000; about 20 min), ZooKeeper mode, local; report in results/migration
	@st=0; for p in $$(echo $(MIGRATION_PARTITIONS) | tr , ' '); do \
		$(KB) bench --scenario workloads/scenarios/migration.yaml --param partitions=$$p -o results/migration $(BENCHFLAGS) || st=1; \
	done; $(KB) report results/migration && exit $$st

# Every committed workload report, and the answer page over all of them.
REPORT_DIRS := $(patsubst %/report.md,%,$(wildcard results/*/report.md))

.PHONY: report
report: build ## re-render every results/<workload>/report.md and the answer page results/README.md from the result files (deterministic; a test fails when the committed answer page is stale)
	@for d in $(REPORT_DIRS); do $(KB) report $$d || exit 1; done
	$(KB) report results

CI_RESULTS  ?= results/ci
CI_BASELINE ?= results/baseline
CI_SCENARIOS := workloads/scenarios/ci.yaml workloads/scenarios/ci-propagation.yaml

bench-ci: deps build ## CI's short suite (topics + propagation, both modes, 6 runs each, about 4 min on 2 cores) into CI_RESULTS (its result files removed first)
	rm -f $(CI_RESULTS)/*.json $(CI_RESULTS)/*.hlog $(CI_RESULTS)/*.bench.txt
	for s in $(CI_SCENARIOS); do $(KB) bench --scenario $$s -o $(CI_RESULTS) $(BENCHFLAGS) || exit 1; done

bench-ci-baseline: ## refresh the committed baseline results/baseline with bench-ci (then commit it)
	$(MAKE) bench-ci CI_RESULTS=$(CI_BASELINE)

clean: ## remove built binaries
	rm -rf $(BIN)

.PHONY: fidelity
fidelity: build ## KRaft-mode behaviours (election after kill -9, append linger, when brokers see a commit) measured against the windows Kafka 3.9's and 4.1's rules give (kraftbench fidelity, about 4 min)
	$(KB) fidelity

.PHONY: images
images: ## build the docker provider's images (node, zookeeper) unless current ones exist; prints the time taken
	$(GO) run ./scripts/images/build

.PHONY: dashboards
dashboards: ## regenerate the Grafana dashboards' JSON in dashboards/json from the Go generator (commit it)
	$(GO) run ./cmd/kraftbench dashboards --out dashboards/json

# The instrument's own costs (docs/harness.md): recording one sample
# (Recorder.Record alone, with the OpenTelemetry sink, from 4, 16 and 64
# goroutines; target 1 µs and no allocation) and the open loop's achieved
# rate and send lateness at 100, 1k and 10k ops/s against a fake that
# answers at once (target: within 1% of the offered rate). Prints Go
# benchmark lines, then benchstat's summary of each; the raw lines stay in
# HARNESS_OUT. About 40 s.
HARNESS_OUT ?= $(or $(TMPDIR),/tmp)/kraftbench-harness
BENCHSTAT   := $(GO) run golang.org/x/perf/cmd/benchstat

.PHONY: bench-harness
bench-harness: ## the harness's own costs: Recorder.Record per sample (alone, OpenTelemetry sink, 4/16/64 goroutines) and the open loop's achieved rate and lateness at 100/1k/10k ops/s (about 40 s)
	@mkdir -p $(HARNESS_OUT)
	$(GO) test -run '^$$' -bench 'Record' -benchmem -benchtime 200000x -count 6 ./metrics/ > $(HARNESS_OUT)/record.txt || { cat $(HARNESS_OUT)/record.txt; exit 1; }
	$(GO) test -run '^$$' -bench 'OpenLoop' -benchtime 1x -count 3 ./workloads/ > $(HARNESS_OUT)/openloop.txt || { cat $(HARNESS_OUT)/openloop.txt; exit 1; }
	@cat $(HARNESS_OUT)/record.txt $(HARNESS_OUT)/openloop.txt | grep '^Benchmark'
	@echo; $(BENCHSTAT) $(HARNESS_OUT)/record.txt
	@echo; $(BENCHSTAT) $(HARNESS_OUT)/openloop.txt
