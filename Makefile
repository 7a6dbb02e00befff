# Mamori: the two commands a newcomer needs, and a few more.
#   make demo    install build dependencies, build, create the demo hospital, write its reports,
#                then serve its web UI (prints the URL and logins; Ctrl-C stops it)
#   make check   install test dependencies, build with ASan+UBSan, run every test (CTest)
#   make bench   run the benchmarks in bench/ (each prints a table)
#   make build   release build only (build/)
#   make format  clang-format the C sources
BUILD      ?= build
CHECKBUILD ?= build-check
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build demo check bench deps check-deps format format-check fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh build

check-deps:
	@bash scripts/install-deps.sh check

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMM_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Builds the demo hospital, then serves it: prints the URL and logins, runs until Ctrl-C.
# DEMO_LISTEN=127.0.0.1:8081 make demo picks another address.
DEMO_LISTEN ?= 127.0.0.1:8080
demo: build
	@$(BUILD)/mamori demo --dir ./demo-data --listen $(DEMO_LISTEN)

# The release build is made too: optimised builds see warnings (-Wformat-truncation) that
# the sanitizer build does not, and `make demo` uses it.
check: check-deps build
	@cmake -S . -B $(CHECKBUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMM_SANITIZE=ON >/dev/null
	@cmake --build $(CHECKBUILD) -j $(JOBS)
	@cd $(CHECKBUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bash bench/run-all.sh $(BUILD)/mamori

fuzz: check-deps
	@bash tests/fuzz/build-libfuzzer.sh

format:
	@clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h')

clean:
	rm -rf $(BUILD) $(CHECKBUILD)
