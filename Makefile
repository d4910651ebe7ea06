# The two entry points of the README, and a few conveniences.
#   make demo   install what is missing, build, run a real test in the lab
#   make test   install what is missing, build, run every test
#   make static one statically linked build-static/linerate (scripts/build-static)
#   make deb    linerate_<version>_amd64.deb in build-deb/ (scripts/build-deb)
#   make fuzz   run each libFuzzer harness for 60 s (tests/fuzz/)
#   make test-asan  the API and server tests on an ASan/UBSan build
BUILD ?= build
MESON_FLAGS ?= -Dwerror=true

.PHONY: all build deps demo test test-asan unit net fuzz bench static deb clean

all: build

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_FLAGS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	scripts/deps build

demo:
	scripts/deps demo
	$(MAKE) build
	scripts/demo $(BUILD)/src/linerate

# The demo builds without the test-only packages (tests=auto); make test
# insists on them, so a missing cmocka is an error here rather than a skip.
test:
	scripts/deps test
	$(MAKE) $(BUILD)/build.ninja
	meson configure $(BUILD) -Dtests=enabled
	ninja -C $(BUILD)
	scripts/run-tests $(BUILD)

unit: $(BUILD)/build.ninja
	meson configure $(BUILD) -Dtests=enabled
	ninja -C $(BUILD)
	meson test -C $(BUILD) --suite unit --print-errorlogs

static:
	scripts/deps static
	scripts/build-static build-static

deb:
	scripts/deps deb
	scripts/build-deb build-deb

test-asan:
	scripts/deps test
	scripts/test-asan $(BUILD)-asan

fuzz:
	FUZZ_OUT=$(BUILD)/fuzz tests/fuzz/run.sh 60

bench:
	scripts/deps bench
	$(MAKE) build
	LINERATE=$(CURDIR)/$(BUILD)/src/linerate bench/udp_vs_iperf3.sh

clean:
	rm -rf $(BUILD) $(BUILD)-asan build-static build-deb
