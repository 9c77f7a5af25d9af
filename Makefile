# Thin wrapper over Meson for the README's commands.
#   make run    install what is missing, build, start a site on 127.0.0.1:9000
#   make test   install what is missing, build (plain and ASan+UBSan), run every suite
#   make fuzz   libFuzzer targets (clang), FUZZ_SECONDS each
#   make soak   the long fault runs (more crash cycles than make test)
#   make bench  lifeboat against nginx and s3rver on loopback (BENCH_QUICK=1: a few minutes)

BUILD      ?= build
SANBUILD   ?= build-san
FUZZBUILD  ?= build-fuzz
FUZZ_SECONDS ?= 60
PYTHON     ?= python3

APT_PACKAGES = build-essential pkg-config meson ninja-build clang libclang-rt-14-dev \
  libmicrohttpd-dev liblmdb-dev libssl-dev libxml2-dev libjansson-dev libcmocka-dev \
  libcurl4-openssl-dev libisal-dev libzstd-dev curl python3 awscli python3-boto3 \
  s3cmd rclone restic openssl strace

.PHONY: all deps build san run test fuzz soak bench clean

all: build

# Installs only what is missing (apt-get update first, as a fresh machine needs).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

$(SANBUILD)/build.ninja:
	meson setup $(SANBUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

san: deps $(SANBUILD)/build.ninja
	ninja -C $(SANBUILD)

run: build
	./$(BUILD)/lifeboat serve

test: build san
	$(PYTHON) tests/run_all.py --build $(BUILD) --sanbuild $(SANBUILD)

soak: build san
	LIFEBOAT_SOAK=1 $(PYTHON) tests/run_all.py --build $(BUILD) --sanbuild $(SANBUILD) --only fault

$(FUZZBUILD)/build.ninja:
	CC=clang meson setup $(FUZZBUILD) -Dfuzz=true -Db_lundef=false

fuzz: deps $(FUZZBUILD)/build.ninja
	ninja -C $(FUZZBUILD)
	@for t in $(FUZZBUILD)/tests/fuzz/fuzz_*; do \
	  [ -f "$$t" ] && [ -x "$$t" ] || continue; name=$$(basename $$t); \
	  mkdir -p tests/fuzz/corpus-$$name; \
	  seeds=""; [ -d tests/fuzz/seeds/$$name ] && seeds=tests/fuzz/seeds/$$name; \
	  echo "== $$name ($(FUZZ_SECONDS)s)"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 tests/fuzz/corpus-$$name $$seeds \
	    > $(FUZZBUILD)/$$name.log 2>&1; rc=$$?; \
	  grep -E "stat::number_of_executed_units|stat::new_units_added" $(FUZZBUILD)/$$name.log; \
	  if [ $$rc != 0 ]; then tail -40 $(FUZZBUILD)/$$name.log; exit 1; fi; \
	done

# The benchmark (bench/README.md): installs its reference servers and load
# generator (Debian packages; s3rver from npm into bench/node_modules), then
# runs bench/run.py against $(BUILD)/lifeboat. Never part of make test.
# (any nginx flavour with the DAV module will do: nginx-light only if none is there)
BENCH_APT = libnginx-mod-http-dav-ext wrk nodejs python3-botocore openssl

bench: build
	@missing=""; for p in $(BENCH_APT); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v nginx >/dev/null 2>&1 || missing="$$missing nginx-light"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@if [ ! -f bench/node_modules/s3rver/package.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then \
	  cd bench && npm ci --no-audit --no-fund --loglevel=error; \
	fi
	$(PYTHON) bench/run.py --build $(BUILD) $(if $(BENCH_QUICK),--quick)

clean:
	rm -rf $(BUILD) $(SANBUILD) $(FUZZBUILD)
