# SPDX-License-Identifier: GPL-2.0
#
# kvmtune top-level Makefile: a wrapper around kbuild (see Kbuild) plus the
# proving ground.  `make help` lists the targets.

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
# the guest kernel's tree, for the guest module kvmbench (make guest)
GUEST_KDIR ?= $(KDIR)
LINE ?= 6.12
KVMTUNE_CACHE ?= $(HOME)/.cache/kvmtune
export KVMTUNE_CACHE

BUILD := $(CURDIR)/build
VM := $(CURDIR)/selftests/vm
# checkpatch.pl and the kselftest headers come from Debian's linux-source
# tree, unpacked by the kernel supply; never from copies in this repo.
KSRC ?= $(KVMTUNE_CACHE)/6.12/src
KSFT_DIR ?= $(KSRC)/tools/testing/selftests
CHECKPATCH ?= $(KSRC)/scripts/checkpatch.pl

# The version comes from the tree (Documentation/packaging.rst).  NEXT is
# the version of debian/changelog's top entry: the last release, or the
# one being prepared.
#   at a release tag vX.Y.Z           X.Y.Z
#   N commits after it                X.Y.Z+gitN.gSHA  if X.Y.Z is NEXT
#                                     NEXT~gitN.gSHA   if NEXT is coming
#   no release tag yet                NEXT~untagged.gitN.gSHA (N: all commits)
#   not a git checkout of its own     NEXT~nogit
# and +dirty when files differ from HEAD (modified or untracked); ~ sorts
# before NEXT, + after.  Only this tree's own repository counts, never one
# it sits in (as build/deb's copy does), whatever uid owns it
# (safe.directory).  `make version` prints it.  Not called VERSION: a
# VERSION= on the command line would reach kbuild through MAKEFLAGS.
KVMTUNE_NEXT := $(shell sed -n '1s/^kvmtune [(]\([^ ]*\)[)] .*/\1/p' $(CURDIR)/debian/changelog 2>/dev/null)
KVMTUNE_VERSION := $(shell cd '$(CURDIR)' && g() { git -c safe.directory='*' "$$@"; }; \
	next='$(or $(KVMTUNE_NEXT),0.0.0)'; \
	if [ "$$(g rev-parse --show-toplevel 2>/dev/null)" != "$$PWD" ]; then \
		echo "$$next~nogit"; exit 0; fi; \
	if d=$$(g describe --tags --match 'v[0-9]*' --long 2>/dev/null); then \
		sha=$${d\#\#*-}; n=$${d%-*}; tag=$${n%-*}; n=$${n\#\#*-}; \
		t=$$(echo "$${tag\#v}" | tr - '~'); \
		if [ "$$n" = 0 ]; then v=$$t; \
		elif [ "$$t" = "$$next" ]; then v="$$t+git$$n.$$sha"; \
		else v="$$next~git$$n.$$sha"; fi; \
	else \
		v="$$next~untagged.git$$(g rev-list --count HEAD).g$$(g rev-parse --short=7 HEAD)"; \
	fi; \
	[ -z "$$(g status --porcelain 2>/dev/null)" ] || v="$$v+dirty"; \
	echo "$$v")

# Every file of the project: git's list (tracked and untracked, not ignored)
# when git works here; otherwise (no git, or git refusing the tree, e.g.
# "dubious ownership" when CI runs as another uid) find's, without build/,
# .git and kbuild's generated *.mod.c.  The gates fail when it is empty.
PROJECT_FILES = $(shell cd $(CURDIR) && { git ls-files -co --exclude-standard 2>/dev/null || \
		{ echo "kvmtune: git cannot list this tree, using find" >&2; \
		  find . \( -path ./build -o -path ./.git \) -prune -o -type f \
			! -name '*.mod.c' -print | sed 's|^\./||'; }; } | \
		grep -v '^build/' | sort -u)

# Files the style gate covers: every C, header and assembler file we own.
STYLE_FILES = $(wildcard $(filter %.c %.h %.S,$(PROJECT_FILES)))

# Files the shellcheck gate covers: every shell script, by extension or by
# shebang (sh, bash, dash, ash, busybox sh, through env or not).
SHELLCHECK_FILES = $(shell cd $(CURDIR) && for f in $(PROJECT_FILES); do \
		case $$f in (*.sh) echo "$$f" ;; \
		(*) head -n 1 "$$f" 2>/dev/null | \
			grep -Eq '^\#!.*[/ ](ba|da|a)?sh([[:space:]]|$$)' && echo "$$f" ;; \
		esac; done)

# Fail the build on any compiler, sparse or modpost warning.
WARN_RE := '(warning|error):|^WARNING:'

.PHONY: all modules debug clean install install-ip dkms-install dkms-source version deb deb-build \
	deb-lintian help deps kernels kmod-line kmod-variant \
	harness-line selftests tools style check check-harness vm demo bench guest guest-line \
	bench-kvmbench bench-mqgre guest-kernels guest-l1-module bench-guest

all: modules

help:
	@echo 'make [KDIR=<tree>]      build the host modules for KDIR (default: running kernel)'
	@echo 'make debug [KDIR=...]   the same with in-module self-tests and fault injection'
	@echo 'make install            install them for KDIR and run depmod, and the ip plugin'
	@echo 'make guest [GUEST_KDIR=<tree>]  build the guest module kvmbench for a guest kernel'
	@echo 'make dkms-install       register with DKMS, build and install for the running kernel'
	@echo 'make deb                Debian packages kvmtune-dkms and kvmtune-tools in build/deb, lintian'
	@echo 'make version            the version of this tree, as the packages get it'
	@echo 'make demo               set up, boot the proving ground, show kvmtrace, mqgre and kvmaudit'
	@echo 'make check              set up everything and run all tests (the CI entry point)'
	@echo 'make bench              kvmtrace overhead against perf kvm stat and bpftrace, as ratios;'
	@echo '                        then the kvmbench table (make bench-kvmbench alone), then'
	@echo '                        mqgre pps against stock gretap (make bench-mqgre alone)'
	@echo 'make tools              build kvmtop and the other userspace tools'
	@echo 'make guest-kernels      stock and patched nested-guest kernels (6.1, 6.12)'
	@echo 'make check-harness      prove the proving ground catches splats, hangs, failures, skips'
	@echo 'make vm [LINE=6.12]     interactive root shell in the proving ground'
	@echo 'make style              checkpatch --strict over every C/header/asm file'
	@echo 'make shellcheck         shellcheck over every shell script'
	@echo 'make deps | kernels     install Debian packages | fetch and prepare the kernels'
	@echo 'make clean              remove build products'

modules:
	@test -f $(KDIR)/Makefile || { echo "kvmtune: no kernel build tree at $(KDIR);" \
		"install linux-headers-$(KERNELRELEASE) or pass KDIR=<tree>" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(DEBUG_FLAGS) modules

# The guest module, kvmbench, for a guest kernel's tree (Documentation/kvmbench.rst).
# It is never part of the host set that install and DKMS build.
guest:
	@test -f $(GUEST_KDIR)/Makefile || { echo "kvmtune: no guest kernel build tree at" \
		"$(GUEST_KDIR); pass GUEST_KDIR=<tree>" >&2; exit 1; }
	$(MAKE) -C $(GUEST_KDIR) M=$(CURDIR) KVMTUNE_GUEST=y modules

# Debug modules: self-tests at load, fault injection (Documentation/kvmtrace.rst).
debug:
	$(MAKE) modules DEBUG_FLAGS=CONFIG_KVMTRACE_DEBUG=y

# The release of the tree being built for, which need not be the running one.
# (utsrelease.h, not config/kernel.release, which Debian's 6.1 headers get
# wrong and override in .kernelvariables.)
KRELEASE = $(or $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
		$(KDIR)/include/generated/utsrelease.h 2>/dev/null),$(KERNELRELEASE))

install: modules install-ip
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KRELEASE)

# The DKMS source tree, /usr/src/kvmtune-VERSION: the top-level Kbuild, the
# host modules its obj-m names when KVMTUNE_GUEST is not y ("obj-m +=
# kmod/NAME/"), the compat and include directories they share, and
# dkms.conf with this version.  dkms.conf takes its modules from that
# Kbuild the same way, so a host module is one Kbuild line; the guest
# module (kmod/kvmbench) stays out.  make dkms-install and the
# kvmtune-dkms package (debian/rules) install the same set, without build
# products.
HOST_MODULES := $(shell $(MAKE) -s --no-print-directory -f $(CURDIR)/Kbuild KVMTUNE_GUEST= \
	--eval 'kvmtune-host-modules: ; @echo $$(patsubst kmod/%/,%,$$(obj-m))' kvmtune-host-modules)
DKMS_SOURCES := Kbuild kmod/compat kmod/include $(addprefix kmod/,$(HOST_MODULES))
BUILD_PRODUCTS := '*.o' '*.ko' '*.ko.*' '*.mod' '*.mod.c' '*.cmd' '*.a' '*.d' \
	modules.order Module.symvers .tmp_versions '.cache.mk'

version:
	@echo $(KVMTUNE_VERSION)

dkms-source:
	@test -n '$(DKMS_SRCDIR)' || { echo "kvmtune: dkms-source wants DKMS_SRCDIR=<dir>" >&2; exit 1; }
	@test -n '$(HOST_MODULES)' || { echo "kvmtune: Kbuild lists no host module (obj-m += kmod/NAME/)" >&2; exit 1; }
	rm -rf '$(DKMS_SRCDIR)'
	mkdir -p '$(DKMS_SRCDIR)'
	tar -C '$(CURDIR)' $(addprefix --exclude=,$(BUILD_PRODUCTS)) -cf - $(DKMS_SOURCES) | \
		tar -C '$(DKMS_SRCDIR)' -xf -
	sed 's/#MODULE_VERSION#/$(KVMTUNE_VERSION)/' dkms.conf >'$(DKMS_SRCDIR)/dkms.conf'

# mqgre's iproute2 plugin, where Debian's ip looks for it (tools/ip/Makefile),
# under DESTDIR or INSTALL_MOD_PATH when staged. A tree with only the
# modules (DKMS's, install-check's copy) has no plugin to install.
install-ip:
	$(if $(wildcard tools/ip/Makefile),$(MAKE) -C tools/ip install \
		OUTPUT=$(BUILD)/tools/ip DESTDIR=$(or $(DESTDIR),$(INSTALL_MOD_PATH)))

dkms-install:
	@command -v dkms >/dev/null || { echo "kvmtune: dkms is not installed" >&2; exit 1; }
	dkms remove -m kvmtune -v $(KVMTUNE_VERSION) --all >/dev/null 2>&1 || true
	$(MAKE) --no-print-directory dkms-source DKMS_SRCDIR=/usr/src/kvmtune-$(KVMTUNE_VERSION)
	dkms install -m kvmtune -v $(KVMTUNE_VERSION) -k $(KERNELRELEASE)

# Debian packages (Documentation/packaging.rst): kvmtune-dkms and
# kvmtune-tools, built with debhelper from a copy of the project's files in
# build/deb/kvmtune-VERSION, into build/deb; then lintian, which must find
# no error and no warning.  Installs the build dependencies first (root).
DEB := $(CURDIR)/debian/make-deb.sh
deb:
	@$(MAKE) --no-print-directory deb-build
	@$(MAKE) --no-print-directory deb-lintian

deb-build:
	@printf '%s\n' $(PROJECT_FILES) | $(DEB) build '$(KVMTUNE_VERSION)' '$(BUILD)/deb'

deb-lintian:
	@$(DEB) lintian '$(KVMTUNE_VERSION)' '$(BUILD)/deb'

clean:
	-test -f $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)

deps:
	$(VM)/deps.sh --bench

kernels:
	$(VM)/kernel-supply.sh $(LINE)

# Build the host modules for one supplied kernel line into build/LINE/mod,
# and their debug variant (in-module self-tests, fault injection) into
# build/LINE/mod-debug, clean at W=1 and under sparse (C=2 checks every
# file, not only rebuilt ones).
kmod-line:
	@$(MAKE) --no-print-directory kmod-variant VARIANT=mod
	@$(MAKE) --no-print-directory kmod-variant VARIANT=mod-debug \
		DEBUG_FLAGS=CONFIG_KVMTRACE_DEBUG=y

kmod-variant:
	@. $(KVMTUNE_CACHE)/$(LINE)/env && \
	mkdir -p $(BUILD)/$(LINE)/$(VARIANT) && \
	cp -ru Kbuild kmod $(BUILD)/$(LINE)/$(VARIANT)/ && \
	$(MAKE) -C $$KDIR M=$(BUILD)/$(LINE)/$(VARIANT) W=1 C=2 $(DEBUG_FLAGS) \
		modules >$(BUILD)/$(LINE)/$(VARIANT).log 2>&1; rc=$$?; \
	cat $(BUILD)/$(LINE)/$(VARIANT).log; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	if grep -Eq $(WARN_RE) $(BUILD)/$(LINE)/$(VARIANT).log; then \
		echo "kvmtune: warnings building $(VARIANT) for $$KVER" >&2; exit 1; fi

# The guest module for one supplied kernel line (the proving ground boots
# the same kernel as its nested guest) into build/LINE/guest, clean at W=1
# and under sparse.
guest-line:
	@$(MAKE) --no-print-directory kmod-variant VARIANT=guest DEBUG_FLAGS=KVMTUNE_GUEST=y

# The planted faults of check-harness: modules for one line into
# build/LINE/harness (clean at W=1 and under sparse), and the userspace
# plants, the same for every line, into build/harness.
harness-line:
	@. $(KVMTUNE_CACHE)/$(LINE)/env && \
	mkdir -p $(BUILD)/$(LINE)/harness $(BUILD)/harness && \
	cp -u selftests/harness/Kbuild selftests/harness/kvmtune_*.c $(BUILD)/$(LINE)/harness/ && \
	$(MAKE) -C $$KDIR M=$(BUILD)/$(LINE)/harness W=1 C=2 modules \
		>$(BUILD)/$(LINE)/harness.log 2>&1; rc=$$?; \
	cat $(BUILD)/$(LINE)/harness.log; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; \
	if grep -Eq $(WARN_RE) $(BUILD)/$(LINE)/harness.log; then \
		echo "kvmtune: warnings building the harness for $$KVER" >&2; exit 1; fi
	@set -e; for p in ksft_skip icount_tsc; do \
		$(CC) -Wall -Wextra -Werror -O2 -std=gnu11 -D_GNU_SOURCE -isystem $(KSFT_DIR) \
			-o $(BUILD)/harness/$$p.tmp selftests/harness/$$p.c; \
		mv $(BUILD)/harness/$$p.tmp $(BUILD)/harness/$$p; done

# Stock and patched nested-guest kernels of both lines, from one tree and
# one config each, cached (selftests/vm/guest-kernels.sh), and the L1
# helper module of their tests.
guest-kernels:
	@$(VM)/guest-kernels.sh $(GUEST_LINES)
	@$(MAKE) --no-print-directory guest-l1-module

# The proving ground's helper that offers invtsc to nested guests
# (selftests/guest/kvmtune_invtsc.c), 6.12 only, into build/6.12/guest-l1,
# clean at W=1 and under sparse.
guest-l1-module:
	@. $(KVMTUNE_CACHE)/6.12/env && \
	mkdir -p $(BUILD)/6.12/guest-l1 && \
	cp -u selftests/guest/Kbuild selftests/guest/kvmtune_invtsc.c $(BUILD)/6.12/guest-l1/ && \
	$(MAKE) -C $$KDIR M=$(BUILD)/6.12/guest-l1 KVMTUNE_KSRC=$$SRC W=1 C=2 modules \
		>$(BUILD)/6.12/guest-l1.log 2>&1; rc=$$?; \
	if [ $$rc -ne 0 ]; then cat $(BUILD)/6.12/guest-l1.log; exit $$rc; fi; \
	if grep -Eq $(WARN_RE) $(BUILD)/6.12/guest-l1.log; then cat $(BUILD)/6.12/guest-l1.log; \
		echo "kvmtune: warnings building kvmtune_invtsc for $$KVER" >&2; exit 1; fi

selftests:
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR) OUTPUT=$(BUILD)/selftests

tools:
	$(MAKE) -C tools OUTPUT=$(BUILD)/tools

# Both gates refuse an empty file list: checkpatch would read stdin and
# pass, shellcheck would check nothing.
style:
	@test -f $(CHECKPATCH) || { echo "kvmtune: $(CHECKPATCH) missing (make kernels LINE=6.12)" >&2; exit 1; }
	@files='$(strip $(STYLE_FILES))'; test -n "$$files" || { \
		echo "kvmtune: style: no C, header or assembler files to check" \
			"(neither git nor find listed any)" >&2; exit 1; }
	@mkdir -p $(BUILD)
	perl $(CHECKPATCH) --no-tree --strict --terse --show-types \
		-f $(STYLE_FILES) </dev/null | \
		tee $(BUILD)/checkpatch.log
	@! grep -Eq ': (ERROR|WARNING|CHECK):' $(BUILD)/checkpatch.log

.PHONY: shellcheck
shellcheck:
	@command -v shellcheck >/dev/null || { echo "kvmtune: shellcheck is not installed (make deps)" >&2; exit 1; }
	@files='$(strip $(SHELLCHECK_FILES))'; test -n "$$files" || { \
		echo "kvmtune: shellcheck: no shell scripts to check" \
			"(neither git nor find listed any)" >&2; exit 1; }
	@mkdir -p $(BUILD)
	@echo "shellcheck: $(words $(SHELLCHECK_FILES)) scripts"
	@cd $(CURDIR) && shellcheck -x -P SCRIPTDIR -f gcc $(SHELLCHECK_FILES) \
		>$(BUILD)/shellcheck.log 2>&1; rc=$$?; cat $(BUILD)/shellcheck.log; \
	if [ $$rc -ne 0 ]; then \
		echo "kvmtune: shellcheck failed (exit $$rc) on" \
			"$$(cut -d: -f1 $(BUILD)/shellcheck.log | sort -u | grep -c .) of" \
			"$(words $(SHELLCHECK_FILES)) scripts:" \
			$$(cut -d: -f1 $(BUILD)/shellcheck.log | sort -u) >&2; \
		echo "kvmtune: fix each finding above, or disable it on its line with" \
			"a '# shellcheck disable=SCxxxx' comment saying why" >&2; \
		exit 1; fi

check:
	@$(VM)/check.sh

# Both lines by default (KVMTUNE_HARNESS_LINES="6.1 6.12"); 6.12's source
# tree is needed as well for the style gates' own checks.
check-harness: deps
	@set -e; lines="$${KVMTUNE_HARNESS_LINES:-6.1 6.12}"; \
	for l in $$lines 6.12; do $(VM)/kernel-supply.sh $$l >/dev/null; done; \
	for l in $$lines; do $(MAKE) --no-print-directory harness-line LINE=$$l >/dev/null; done
	$(VM)/check-harness.sh

vm: deps
	$(VM)/kernel-supply.sh $(LINE) >/dev/null
	$(MAKE) kmod-line selftests LINE=$(LINE)
	$(VM)/run.sh -i $(LINE)

# The proving-ground steps shared by demo and bench: packages, the 6.12
# kernel, and the module, selftests and tools built for it.
define proving_ground_ready
	$(VM)/deps.sh --bench
	$(VM)/kernel-supply.sh 6.12 >/dev/null
	$(MAKE) --no-print-directory kmod-line LINE=6.12 >/dev/null
	$(MAKE) --no-print-directory selftests tools >/dev/null
endef

demo:
	$(proving_ground_ready)
	$(VM)/run.sh -v -n demo -s $(CURDIR)/tools/demo/demo.list 6.12

# BENCH_* variables reach the bench inside the guest (run.sh passes them on).
bench: BENCH_T0 := $(shell date +%s)
bench:
	$(proving_ground_ready)
	$(MAKE) --no-print-directory guest-line LINE=6.12 >/dev/null
	@$(VM)/run.sh -v -n bench -s $(CURDIR)/tools/bench/bench.list 6.12; rc=$$?; \
	$(VM)/run.sh -v -n bench-kvmbench -s $(CURDIR)/tools/bench/kvmbench.list 6.12 || rc=1; \
	$(bench_mqgre) \
	$(MAKE) --no-print-directory bench-guest || rc=1; \
	echo "bench: make bench took $$(($$(date +%s) - $(BENCH_T0))) s"; exit $$rc

# The kvmbench table alone: guest cycles per exit, kvmtrace's host side
# (tools/bench/kvmbench-bench.sh, Documentation/kvmbench.rst).
bench-kvmbench: BENCH_T0 := $(shell date +%s)
bench-kvmbench:
	$(proving_ground_ready)
	$(MAKE) --no-print-directory guest-line LINE=6.12 >/dev/null
	@$(VM)/run.sh -v -n bench-kvmbench -s $(CURDIR)/tools/bench/kvmbench.list 6.12; rc=$$?; \
	echo "bench: make bench-kvmbench took $$(($$(date +%s) - $(BENCH_T0))) s"; exit $$rc

# mqgre's pps against stock gretap and gretap with noqueue: the cost of the
# path under icount, then real time on 2 and on 4 vCPUs
# (tools/bench/mqgre-bench.sh, Documentation/mqgre.rst). Part of one shell
# line, with rc set before it.
bench_mqgre = export BENCH_HOST_LOAD="$$(cut -d' ' -f1-3 /proc/loadavg)"; \
	$(VM)/run.sh -v -n bench-mqgre-cost -s $(CURDIR)/tools/bench/mqgre-cost.list 6.12 || rc=1; \
	$(VM)/run.sh -v -n bench-mqgre -s $(CURDIR)/tools/bench/mqgre.list 6.12 || rc=1; \
	$(VM)/run.sh -v -n bench-mqgre-4 -s $(CURDIR)/tools/bench/mqgre-smp4.list 6.12 || rc=1;

bench-mqgre: BENCH_T0 := $(shell date +%s)
bench-mqgre:
	$(proving_ground_ready)
	@rc=0; $(bench_mqgre) \
	echo "bench: make bench-mqgre took $$(($$(date +%s) - $(BENCH_T0))) s"; exit $$rc

# The guest-kernel tables (tools/bench/guest-bench.sh): PIW/HLT with and
# without nohlt_list=, and clock reads per clocksource.
bench-guest:
	@test -f $(BUILD)/6.12/mod/kmod/kvmtrace/kvmtrace.ko || \
		$(MAKE) --no-print-directory kmod-line LINE=6.12 >/dev/null
	@$(MAKE) --no-print-directory guest-kernels guest-l1-module
	@$(VM)/run.sh -v -n bench-guest -s $(CURDIR)/tools/bench/guest.list 6.12
