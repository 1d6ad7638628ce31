# Comity: `make demo` runs the main job, `make test` runs the tests. Both install
# what a fresh machine lacks (Lua 5.4's headers and library) before building.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: all deps testdeps build demo test bench clean

all: build

# liblua5.4-dev through apt when pkg-config cannot find lua5.4.
deps:
	@if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists lua5.4; then \
		echo "Installing liblua5.4-dev and pkg-config (apt-get)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblua5.4-dev pkg-config >/dev/null; \
	fi

build: deps
	$(SWIFT) build

# A fresh demo workspace: the world of shared/seed loaded by a Lua script, then a
# short report of totals computed by the database.
DEMO := .build/demo-workspace
demo: build
	rm -rf $(DEMO)
	$(SWIFT) run --skip-build comity init $(DEMO)
	cp -R Scripts/. $(DEMO)/Scripts/
	cp Scripts/demo/comity.lua $(DEMO)/comity.lua
	bin=$$($(SWIFT) build --show-bin-path) && cd $(DEMO) && "$$bin/comity" run Scripts/seed-world.lua Scripts/report.lua && \
		"$$bin/comity" report grants-by-funder && "$$bin/comity" report intake-funnel && \
		"$$bin/comity" report international-cooperation && \
		"$$bin/comity" report grants-by-funder --out reports/grants-by-funder.html && \
		echo "HTML report: $(DEMO)/reports/grants-by-funder.html"

# The 360Giving export is checked by a real JSON Schema validator (Python's jsonschema).
testdeps:
	@if ! python3 -c 'import jsonschema, referencing' >/dev/null 2>&1; then \
		echo "Installing python3-jsonschema (apt-get)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jsonschema >/dev/null; \
	fi

# The Swift tests, then the specs of the shipped workflows (Scripts/*_spec.lua).
test: deps testdeps
	$(SWIFT) test
	$(SWIFT) build --product comity
	.build/debug/comity test

# package-benchmark suites, then each figure as a ratio to the baseline of the same
# run, then the call ratio in instructions (callgrind), which load cannot disturb.
bench: deps
	mkdir -p Benchmarks/.build
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark --no-progress \
		| tee .build/benchmark-output.txt
	python3 Benchmarks/ratios.py Benchmarks/.build/benchmark-output.txt
	Benchmarks/callgrind-calls.sh

clean:
	rm -rf .build Benchmarks/.build
