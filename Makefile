# pam_nsiso — one persistent namespace set per user, for Linux-PAM.
#
#   make            build build/pam_nsiso.so and build/nsisoctl
#   make check      install missing build/test packages (apt-get), build, run every test
#   make demo       show the main job for real in a throwaway sandbox (root)
#   make install    DESTDIR-aware install (module into $(pkg-config --variable=libdir pam)/security)

CC       ?= gcc
BUILD    := build
PREFIX   ?= /usr
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
PAMLIBDIR ?= $(shell pkg-config --variable=libdir pam 2>/dev/null || echo /lib/x86_64-linux-gnu)
SECUREDIR ?= $(PAMLIBDIR)/security

WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
            -Wno-unused-parameter
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fcf-protection
CFLAGS   ?= -O2 -g
# XCFLAGS: variant builds (fault injection, sanitizers) under their own BUILD dir.
# -MMD -MP: the compiler lists the headers each object includes (build/**/*.d, included
# below), so a change to helper/ctl.h rebuilds the helper's objects and nothing else.
DEPFLAGS := -MMD -MP
CFLAGS   += $(XCFLAGS) -std=gnu11 -fPIC -fvisibility=hidden $(WARN) $(HARDEN) -D_GNU_SOURCE -Ilib \
            $(DEPFLAGS)
LDFLAGS  += $(XLDFLAGS) -Wl,-z,relro,-z,now -Wl,--as-needed
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
LIBS     := -lcap -liniparser

LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))

MODULE   := $(BUILD)/pam_nsiso.so
CTL      := $(BUILD)/nsisoctl
PAMH     := $(BUILD)/nsiso-pamh
KEEPERTOOL := $(BUILD)/nsiso-keeper
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# C helpers of the shell suites (tests/lib/*.c, tests/harness/pcforge.c), built here with
# the project's flags: logsink (the sandbox's /dev/log), pcforge (forged policy-cache
# entries), mqprobe (mq_open in the caller's IPC namespace), pid1ns (can PID 1's mount
# namespace be opened?).
HELPERDIR := $(BUILD)/tests/helpers
HELPERS  := $(HELPERDIR)/logsink $(HELPERDIR)/pcforge $(HELPERDIR)/mqprobe $(HELPERDIR)/pid1ns
# bench/: the harness on the real libpam and the step profile on the module's core.
BENCH_BIN := $(BUILD)/bench/pambench $(BUILD)/bench/phases

APT_PKGS := gcc make pkg-config libpam0g-dev libcap-dev libiniparser-dev libcmocka-dev \
            openssh-server openssh-client util-linux iproute2 procps passwd login \
            groff-base man-db dpkg-dev debhelper lintian fakeroot python3 \
            valgrind clang libclang-rt-14-dev jq binutils python3-prometheus-client \
            systemd dbus libpam-systemd keyutils xvfb x11-utils strace

.PHONY: all check unit integration e2e systemd-test demo-check adversarial sanitizers fuzz fuzz-short demo deps install uninstall clean format format-check \
        fault-build asan-build fuzz-build bench-build helpers
all: $(MODULE) $(CTL)
# Keep the objects of every link (test helpers' too): their .d files name what they include.
.SECONDARY:

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libnsiso.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(MODULE): $(BUILD)/pam_module/pam_nsiso.o $(BUILD)/libnsiso.a pam_module/pam_nsiso.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared $(LDFLAGS) -Wl,--version-script=pam_module/pam_nsiso.map -Wl,-z,defs \
		-o $@ $(BUILD)/pam_module/pam_nsiso.o $(BUILD)/libnsiso.a -lpam $(LIBS)

$(CTL): $(patsubst %.c,$(BUILD)/%.o,$(wildcard helper/*.c)) $(BUILD)/libnsiso.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -pie -o $@ $(filter %.o,$^) $(BUILD)/libnsiso.a $(LIBS)

$(PAMH): $(BUILD)/tests/harness/pamh.o
	$(Q)$(CC) $(LDFLAGS) -pie -o $@ $< -lpam

$(KEEPERTOOL): $(BUILD)/tests/lib/keeper.o
	$(Q)$(CC) $(LDFLAGS) -pie -o $@ $<

# A directory service whose outage the tests switch (tests/lib/nss_nsisotest.c).
NSSTEST  := $(BUILD)/libnss_nsisotest.so.2
$(NSSTEST): $(BUILD)/tests/lib/nss_nsisotest.o
	$(Q)$(CC) -shared $(LDFLAGS) -Wl,-soname,libnss_nsisotest.so.2 -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libnsiso.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libnsiso.a $(LIBS) -lcmocka

helpers: $(HELPERS)
$(HELPERDIR)/%: $(BUILD)/tests/lib/%.o
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -pie -o $@ $< -lrt
$(HELPERDIR)/pcforge: $(BUILD)/tests/harness/pcforge.o $(BUILD)/libnsiso.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -pie -o $@ $< $(BUILD)/libnsiso.a $(LIBS)

# phases links the module's own core with --wrap on the calls it times
# (bench/phases.c, "instrumentation"): the objects are the module's, unchanged.
PHASES_WRAP = ${shell sed -n -e 's/^WRAPV*([^,]*, *\([a-z_0-9]*\),.*/-Wl,--wrap=\1/p' -e 's/^VARIADIC(\([a-z_0-9]*\)).*/-Wl,--wrap=\1/p' bench/phases.c}
$(BUILD)/bench/pambench: $(BUILD)/bench/pambench.o
	$(Q)$(CC) $(LDFLAGS) -pie -o $@ $< -lpam
$(BUILD)/bench/phases: $(BUILD)/bench/phases.o $(BUILD)/libnsiso.a
	$(Q)$(CC) $(LDFLAGS) -pie $(PHASES_WRAP) -o $@ $< $(BUILD)/libnsiso.a $(LIBS)
# Built by make check (so bench/ cannot rot against lib/), never run there.
bench-build: $(BENCH_BIN) $(KEEPERTOOL) $(HELPERDIR)/logsink
	@echo "bench-build: 1 passed, 0 failed"

# Test-only variants, each in its own tree so they never mix with the real build.
fault-build:
	$(Q)$(MAKE) --no-print-directory BUILD=build/fault XCFLAGS=-DNSISO_FAULT_INJECTION \
		build/fault/pam_nsiso.so build/fault/nsiso-pamh
asan-build:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan \
		XCFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		XLDFLAGS="-fsanitize=address,undefined" \
		build/asan/pam_nsiso.so build/asan/nsiso-pamh $(patsubst $(BUILD)/%,build/asan/%,$(UNIT_BIN))

# The libFuzzer target: the core and the target with clang, the project's warnings and
# hardening, plus the fuzzer's and the sanitizers' instrumentation (tests/fuzz/run.sh).
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz-build:
	$(Q)$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang \
		XCFLAGS="-O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link" XLDFLAGS="$(FUZZ_SAN)" \
		build/fuzz/fuzz_policy
$(BUILD)/fuzz_policy: $(BUILD)/tests/fuzz/fuzz_policy.o $(BUILD)/libnsiso.a
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/libnsiso.a $(LIBS)

# Install what the build and the tests need, only when something is missing.
deps:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	fi

unit: $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

integration: all $(PAMH) $(KEEPERTOOL) $(HELPERS) $(NSSTEST) fault-build
	@sh tests/integration/run.sh

e2e: all $(PAMH) $(KEEPERTOOL) $(HELPERS)
	@sh tests/e2e/run.sh

adversarial: all $(PAMH) $(KEEPERTOOL) $(HELPERS) fault-build
	@sh tests/adversarial/run.sh

# Under the machine's own systemd, booted as PID 1 of a throwaway sandbox
# (tests/systemd/README.md): ssh.service, logind, user@.service, PrivateTmp=.
systemd-test: all $(KEEPERTOOL) $(HELPERS)
	@sh tests/systemd/run.sh

# ASan+UBSan over the unit and integration tests, valgrind over the unit tests.
sanitizers: all $(PAMH) $(KEEPERTOOL) $(HELPERS) $(UNIT_BIN) asan-build
	@sh tests/adversarial/sanitizers.sh asan-unit asan-integration valgrind-unit

FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

fuzz-short:
	@FUZZ_SECONDS=20 sh tests/fuzz/run.sh

CHECK_SUITES := unit bench-build integration e2e systemd-test demo-check ctl-test adversarial sanitizers fuzz-short

check: deps
	$(Q)$(MAKE) --no-print-directory all $(PAMH) $(KEEPERTOOL) $(HELPERS) $(NSSTEST) $(UNIT_BIN)
	$(Q)sh tests/check.sh $(CHECK_SUITES)

demo: deps
	$(MAKE) all $(PAMH) $(KEEPERTOOL)
	@sh tests/demo.sh

# make check runs the demo as one of its suites, so the README's promise cannot rot.
demo-check: all $(PAMH) $(KEEPERTOOL) $(HELPERS)
	@sh tests/demo.sh

# What install puts where (DESTDIR-aware). The policy is installed only when
# none exists, and uninstall leaves it: it is the administrator's file. So is
# its drop-in directory, made (empty, 0755) by install and left by uninstall;
# the example drop-in goes with the other examples.
PAMCONFIGDIR ?= $(PREFIX)/share/pam-configs
MAN5_PAGES   := docs/nsiso.conf.5
MAN8_PAGES   := docs/pam_nsiso.8 docs/nsisoctl.8
POLICY_DEST   = $(DESTDIR)$(SYSCONFDIR)/security/nsiso.conf
DROPIN_DEST   = $(DESTDIR)$(SYSCONFDIR)/security/nsiso.d

EXAMPLESDIR ?= $(PREFIX)/share/doc/libpam-nsiso/examples
# nsisoctl list --prometheus for node_exporter's textfile collector: examples, not enabled units.
METRICS_EXAMPLES := config/metrics/nsiso-metrics.service config/metrics/nsiso-metrics.timer
# systemd's units: the gc timer and the user@.service drop-in (lifetimes under systemd).
UNITDIR ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
# The aging rule of the persistent tmp dirs (tmp = persistent), for systemd-tmpfiles.
TMPFILESDIR ?= $(shell pkg-config --variable=tmpfilesdir systemd 2>/dev/null || echo /usr/lib/tmpfiles.d)

install: $(MODULE) $(CTL)
	install -d $(DESTDIR)$(SECUREDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/security \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(PAMCONFIGDIR)
	install -m 0644 $(MODULE) $(DESTDIR)$(SECUREDIR)/pam_nsiso.so
	install -m 0755 $(CTL) $(DESTDIR)$(SBINDIR)/nsisoctl
	install -m 0644 $(MAN5_PAGES) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8_PAGES) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 config/pam-configs/nsiso $(DESTDIR)$(PAMCONFIGDIR)/nsiso
	install -d $(DESTDIR)$(EXAMPLESDIR) $(DESTDIR)$(EXAMPLESDIR)/nsiso.d
	install -m 0644 config/nsiso-net-hook $(DESTDIR)$(EXAMPLESDIR)/nsiso-net-hook
	install -m 0644 config/nsiso-init-hook $(DESTDIR)$(EXAMPLESDIR)/nsiso-init-hook
	install -m 0644 config/nsiso.d/50-students.conf $(DESTDIR)$(EXAMPLESDIR)/nsiso.d/
	install -d -m 0755 $(DROPIN_DEST)
	install -m 0644 $(METRICS_EXAMPLES) $(DESTDIR)$(EXAMPLESDIR)/
	install -d $(DESTDIR)$(UNITDIR)/user@.service.d
	install -m 0644 config/systemd/nsiso-gc.service config/systemd/nsiso-gc.timer $(DESTDIR)$(UNITDIR)/
	install -m 0644 config/systemd/user@.service.d/pam_nsiso.conf $(DESTDIR)$(UNITDIR)/user@.service.d/
	install -d $(DESTDIR)$(TMPFILESDIR)
	install -m 0644 config/tmpfiles.d/nsiso.conf $(DESTDIR)$(TMPFILESDIR)/nsiso.conf
	@if [ -e $(POLICY_DEST) ] || [ -L $(POLICY_DEST) ]; then \
	  echo "keeping existing $(POLICY_DEST)"; \
	else install -m 0644 config/nsiso.conf $(POLICY_DEST); fi

uninstall:
	rm -f $(DESTDIR)$(SECUREDIR)/pam_nsiso.so $(DESTDIR)$(SBINDIR)/nsisoctl \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5_PAGES))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8_PAGES))) \
		$(DESTDIR)$(PAMCONFIGDIR)/nsiso $(DESTDIR)$(EXAMPLESDIR)/nsiso-net-hook \
		$(DESTDIR)$(EXAMPLESDIR)/nsiso-init-hook \
		$(DESTDIR)$(EXAMPLESDIR)/nsiso.d/50-students.conf \
		$(addprefix $(DESTDIR)$(EXAMPLESDIR)/,$(notdir $(METRICS_EXAMPLES))) \
		$(DESTDIR)$(UNITDIR)/nsiso-gc.service $(DESTDIR)$(UNITDIR)/nsiso-gc.timer \
		$(DESTDIR)$(UNITDIR)/user@.service.d/pam_nsiso.conf $(DESTDIR)$(TMPFILESDIR)/nsiso.conf
	-rmdir $(DESTDIR)$(UNITDIR)/user@.service.d 2>/dev/null
	-rmdir $(DESTDIR)$(EXAMPLESDIR)/nsiso.d 2>/dev/null
	-rmdir $(DESTDIR)$(EXAMPLESDIR) 2>/dev/null
	@echo "left $(POLICY_DEST) in place (the administrator's file); remove it by hand"
	@echo "left $(DROPIN_DEST) in place (the administrator's drop-ins); remove it by hand"

# nsisoctl, the manual, make install and the Debian package (tests/ctl).
.PHONY: ctl-test
ctl-test: all $(PAMH) $(KEEPERTOOL) $(HELPERS)
	@sh tests/ctl/run.sh

clean:
	rm -rf $(BUILD)

FORMAT_SRC = $(wildcard lib/*.[ch] pam_module/*.c helper/*.[ch] tests/unit/*.c tests/harness/*.c \
	tests/lib/*.c tests/fuzz/*.c bench/*.c)
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

# Login cost and scale against pam_namespace (root; a sandbox; writes bench/results.md).
# Not part of check (only bench-build is), never fails on speed.
.PHONY: bench
bench: all bench-build
	@BENCH_INVOKED="make bench" sh bench/run.sh

# Headers each object included when it was last built (-MMD -MP above).
-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)
