# Comity: `make demo` runs the main job, `make test` runs the tests. Both install
# what a fresh machine lacks (Lua 5.4's headers and library) before building.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: all deps testdeps pgdeps build demo test bench install uninstall clean

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

# A fresh demo workspace: the world of shared/seed loaded by a Lua script, intake run
# on an inbox of sample applications, the round table held and its follow-ups planned
# (by hand, then by the schedule through `comity tick`), the outbox delivered to .eml
# files, and every report printed (Markdown) and saved (HTML) in demo-out/.
DEMO := .build/demo-workspace
DEMO_OUT := demo-out
REPORTS := grants-by-funder intake-funnel international-cooperation followups-by-organisation partnerships-by-country
demo: build
	rm -rf $(DEMO) $(DEMO_OUT)
	$(SWIFT) run --skip-build comity init $(DEMO)
	cp -R Scripts/. $(DEMO)/Scripts/
	cp Scripts/demo/comity.lua $(DEMO)/comity.lua
	mkdir -p $(DEMO)/inbox $(DEMO_OUT) && cp Scripts/demo/inbox/* $(DEMO)/inbox/
	bin=$$($(SWIFT) build --show-bin-path) && out=$$(pwd)/$(DEMO_OUT) && cd $(DEMO) && \
		"$$bin/comity" run Scripts/seed-world.lua Scripts/report.lua && \
		echo && echo "== intake of inbox/" && "$$bin/comity" run Scripts/intake.lua && \
		echo && echo "== the round table, and its follow-ups" && "$$bin/comity" run Scripts/demo/next-steps.lua && \
		"$$bin/comity" run Scripts/followups.lua --now 2021-03-01 && \
		echo && echo "== the schedule: follow-ups every morning at 08:00 (comity tick, as cron would run it)" && \
		"$$bin/comity" tick --now 2021-03-01T12:00 && "$$bin/comity" tick --now 2021-03-02T08:00:20 && \
		"$$bin/comity" schedule list && \
		echo && echo "== the shipped plugins (sdg, compliance)" && cp -R $(CURDIR)/Plugins/sdg $(CURDIR)/Plugins/compliance Plugins/ && \
		"$$bin/comity" plugins list && "$$bin/comity" run Scripts/demo/plugins.lua --now 2021-03-01 && \
		"$$bin/comity" run Scripts/demo/tasks.lua --now 2021-03-01 && \
		"$$bin/comity" report Scripts/demo/grants-by-goal.lua --now 2021-03-01 | tee "$$out/grants-by-goal.md" && \
		"$$bin/comity" report Scripts/demo/grants-by-goal.lua --now 2021-03-01 --out "$$out/grants-by-goal.html" && \
		echo && echo "== the outbox" && "$$bin/comity" outbox deliver && \
		for report in $(REPORTS); do \
			echo && "$$bin/comity" report $$report --now 2021-03-01 | tee "$$out/$$report.md" && \
			"$$bin/comity" report $$report --now 2021-03-01 --out "$$out/$$report.html" || exit 1; \
		done && \
		cp -R mail "$$out/mail" && \
		echo && echo "== who may see what: the foundation shares its public diplomacy grants with the round table's network" && \
		"$$bin/comity" access add-to-network round-table "Agency for Social Information" "Rossotrudnichestvo" "Tetradka Druzhby" && \
		"$$bin/comity" access add-member "Elena Topoleva" "Agency for Social Information" --role editor && \
		"$$bin/comity" access add-member "Yevgeny Primakov" "Rossotrudnichestvo" --role coordinator && \
		"$$bin/comity" access share "Presidential Grants Foundation" grants --network round-table --where "programme=public diplomacy" && \
		"$$bin/comity" access show "Elena Topoleva" && "$$bin/comity" access show "Yevgeny Primakov" && \
		echo "-- the workspace:" && "$$bin/comity" run Scripts/demo/access.lua --dry-run && \
		echo "-- Elena Topoleva:" && "$$bin/comity" run Scripts/demo/access.lua --dry-run --as "Elena Topoleva" && \
		echo "-- Yevgeny Primakov:" && "$$bin/comity" run Scripts/demo/access.lua --dry-run --as "Yevgeny Primakov" && \
		echo && echo "== comity serve: a signed webhook into the intake" && cp Scripts/demo/intake-form.lua Scripts/ && \
		python3 Scripts/demo/post-webhook.py "$$bin/comity" && \
		echo && echo "Reports (Markdown and HTML) and delivered messages: $(DEMO_OUT)/"

# The 360Giving export is checked by a real JSON Schema validator (Python's jsonschema),
# the HTML reports in a real headless browser (Debian's chromium), and the HTTP API by
# schemathesis against its OpenAPI document.
testdeps:
	@if ! python3 -c 'import jsonschema, referencing' >/dev/null 2>&1; then \
		echo "Installing python3-jsonschema (apt-get)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-jsonschema >/dev/null; \
	fi
	@if ! [ -x .build/schemathesis/bin/schemathesis ]; then \
		echo "Installing schemathesis (PyPI, into .build/schemathesis), to fuzz the HTTP API against its OpenAPI document"; \
		python3 -m venv .build/schemathesis >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
			$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && \
			rm -rf .build/schemathesis && python3 -m venv .build/schemathesis; } && \
		.build/schemathesis/bin/pip install -q schemathesis==4.32.5; \
	fi
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "Installing chromium (apt-get), to check the HTML reports"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# PostgreSQL's server programs (initdb, pg_ctl), for the tests' private server.
pgdeps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
		echo "Installing postgresql (apt-get), for the tests of the PostgreSQL store"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# The Swift tests, with a private PostgreSQL server (Tests/with-postgres: started in a
# temporary folder, removed afterwards), then the specs of the shipped workflows
# (Scripts/*_spec.lua).
test: deps testdeps pgdeps
	Tests/with-postgres $(SWIFT) test
	$(SWIFT) build
	.build/debug/comity test
	Tests/schemathesis-check.sh .build/debug/comity .build/schemathesis/bin/schemathesis

# package-benchmark suites (the PostgreSQL ones on a private server, Tests/with-postgres),
# then each figure as a ratio to the baseline of the same run, then the call and create
# ratios in instructions (callgrind), which load cannot disturb; then the installed
# binary's start-up ratios and its instructions per trivial command (`run` of
# `return 1`, `--version`, `tick`); last, PostgreSQL workers: queued runs per second
# against SQLite, and the latency from a commit to its run, with and without LISTEN; then
# comity serve under wrk (Benchmarks/http.sh): each route's throughput against /health's.
bench: deps pgdeps
	@command -v sqlite3 >/dev/null 2>&1 || { echo "Installing sqlite3 (apt-get), the import baseline"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
	@command -v valgrind >/dev/null 2>&1 || { echo "Installing valgrind (apt-get), for instructions per command"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk (apt-get), for the HTTP figures"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	mkdir -p Benchmarks/.build
	cd Benchmarks && ../Tests/with-postgres $(SWIFT) package --allow-writing-to-package-directory benchmark --no-progress \
		| tee .build/benchmark-output.txt
	python3 Benchmarks/ratios.py Benchmarks/.build/benchmark-output.txt
	Benchmarks/callgrind-ratios.sh
	$(MAKE) install PREFIX=$(CURDIR)/.build/bench-install
	Benchmarks/daemon-idle.sh .build/bench-install/bin/comity 60
	Benchmarks/startup.py .build/bench-install/bin/comity 20
	Tests/with-postgres Benchmarks/workers.sh .build/bench-install/bin/comity 1000
	cd Benchmarks && $(SWIFT) build -c release --product WakeupProbe >/dev/null
	Tests/with-postgres Benchmarks/.build/release/WakeupProbe .build/bench-install/bin/comity 100
	Benchmarks/http.sh .build/bench-install/bin/comity 10

# The binary in PREFIX/bin (release, the Swift runtime linked in statically: it starts
# in a few milliseconds, as cron and an editing loop need), comity-network (the same
# command line with PostgreSQL and the HTTP server, which comity hands `serve` and
# PostgreSQL workspaces to) in PREFIX/libexec/comity, its shell completions
# (bash, zsh, fish) and man pages (swift-argument-parser's generate-manual plugin)
# under PREFIX/share, and what `comity init` copies into a new workspace (the shipped
# workflows, reports and specs; the shipped plugins) in PREFIX/share/comity.
PREFIX ?= /usr/local
CONFIG ?= release
BASH_COMPLETIONS := $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETIONS := $(PREFIX)/share/zsh/site-functions
FISH_COMPLETIONS := $(PREFIX)/share/fish/vendor_completions.d
MAN1 := $(PREFIX)/share/man/man1
LIBEXEC := $(PREFIX)/libexec/comity
# The Swift runtime's static link exports every symbol of the program (19,000 of them),
# which the dynamic loader and the runtime's start-up (dladdr) then walk: a sixth of
# `comity --version`. Nothing looks them up (a crash's backtrace reads the file).
RELEASE_LINK := -Xlinker --no-export-dynamic
MANUAL := .build/plugins/GenerateManual/outputs/comity
install: deps
	$(SWIFT) package generate-manual --configuration $(CONFIG) --multi-page >/dev/null
	@# generate-manual links comity in the same folder without the static runtime, and a
	@# following build with --static-swift-stdlib then counts as done: the binaries are
	@# removed so that they are linked again, and checked to need no Swift library.
	bin="$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/comity" && rm -f "$$bin" "$$bin-network"
	$(SWIFT) build -c $(CONFIG) --product comity --static-swift-stdlib $(RELEASE_LINK)
	$(SWIFT) build -c $(CONFIG) --product comity-network --static-swift-stdlib $(RELEASE_LINK)
	bin="$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/comity" && for b in "$$bin" "$$bin-network"; do \
		if ldd "$$b" | grep -q 'libswiftCore'; then echo "make install: $$b links the Swift runtime dynamically" >&2; exit 1; fi; done
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBEXEC) $(DESTDIR)$(PREFIX)/share/comity $(DESTDIR)$(MAN1) \
		$(DESTDIR)$(BASH_COMPLETIONS) $(DESTDIR)$(ZSH_COMPLETIONS) $(DESTDIR)$(FISH_COMPLETIONS)
	bin="$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/comity" && \
		install -m 755 "$$bin" $(DESTDIR)$(PREFIX)/bin/comity && \
		install -m 755 "$$bin-network" $(DESTDIR)$(LIBEXEC)/comity-network && \
		"$$bin" --generate-completion-script bash > $(DESTDIR)$(BASH_COMPLETIONS)/comity && \
		"$$bin" --generate-completion-script zsh > $(DESTDIR)$(ZSH_COMPLETIONS)/_comity && \
		"$$bin" --generate-completion-script fish > $(DESTDIR)$(FISH_COMPLETIONS)/comity.fish
	install -m 644 $(MANUAL)/*.1 $(DESTDIR)$(MAN1)/
	rm -rf $(DESTDIR)$(PREFIX)/share/comity/Scripts $(DESTDIR)$(PREFIX)/share/comity/Plugins
	cp -R Scripts Plugins $(DESTDIR)$(PREFIX)/share/comity/

# Removes exactly what `make install` put under PREFIX (workspaces are never touched).
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/comity $(DESTDIR)$(LIBEXEC)/comity-network $(DESTDIR)$(BASH_COMPLETIONS)/comity \
		$(DESTDIR)$(ZSH_COMPLETIONS)/_comity $(DESTDIR)$(FISH_COMPLETIONS)/comity.fish \
		$(DESTDIR)$(MAN1)/comity.1 $(DESTDIR)$(MAN1)/comity.*.1
	rm -rf $(DESTDIR)$(PREFIX)/share/comity
	rmdir $(DESTDIR)$(LIBEXEC) 2>/dev/null || true

clean:
	rm -rf .build Benchmarks/.build
