# sslm: one GNU Makefile.  `make` builds every program into ./bin.
# Targets: all check check-asan fuzz lint mutate demo bench install
# uninstall deb clean

PREFIX	?= /usr/local
DESTDIR	?=
bindir	 = $(PREFIX)/bin
# The steps sslm-mgr sources: <bindir>/../libexec/sslm (sslm-mgr(1)).
libexecdir = $(PREFIX)/libexec
mandir	 = $(PREFIX)/share/man
docdir	 = $(PREFIX)/share/doc/sslm
exdir	 = $(docdir)/examples
# The configuration stays in /etc/ssl-mgr whatever PREFIX is (as ssl-mgr).
sysconfdir ?= /etc
unitdir	?= $(PREFIX)/lib/systemd/system
# Empty: the cron file goes only among the examples; crondir=/etc/cron.d
# installs it there too.
crondir	?=

CC	?= cc
CFLAGS	?= -O2 -g
WFLAGS	 = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Werror
CPPFLAGS += -D_GNU_SOURCE -Ilib

PKGS	 = openssl ldns libcurl jansson
# Lazy (=): evaluated when a recipe runs, after scripts/deps has run.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# VARIANT selects the build directory: build/std or build/asan.
VARIANT	?= std
OBJDIR	 = build/$(VARIANT)
ifeq ($(VARIANT),std)
OUTDIR	 = bin
else
OUTDIR	 = build/$(VARIANT)/bin
endif

LIBSRC	 = $(wildcard lib/*.c)
LIBOBJ	 = $(LIBSRC:lib/%.c=$(OBJDIR)/lib/%.o)
TOOLS	 = $(patsubst tools/%.c,%,$(wildcard tools/*.c))
PIPES	 = $(notdir $(wildcard pipelines/sslm-*))
PROGS	 = $(TOOLS:%=$(OUTDIR)/sslm-%) $(PIPES:%=$(OUTDIR)/%)
# The steps of sslm-mgr, beside the programs' directory: ./libexec/sslm
# for the std build, build/asan/libexec/sslm for asan.
STEPSRC	 = $(wildcard pipelines/steps/*.sh)
STEPDIR	 = $(patsubst %/,%,$(dir $(OUTDIR)))/libexec/sslm
STEPS	 = $(STEPSRC:pipelines/steps/%=$(STEPDIR)/%)
MANS	 = $(wildcard man/*.[1-8])
SHFILES	 = $(wildcard pipelines/sslm-* pipelines/steps/*.sh tests/*.sh tests/env/*.sh tests/run \
	   bench/*.sh fuzz/*.sh \
	   scripts/* examples/*/make-ca \
	   examples/*/*.sh .ci/run debian/*.postinst debian/*.postrm)

# Keep the objects: they are intermediate files of the pattern rules.
.SECONDARY:

.PHONY: all pkgcheck check check-asan fuzz fuzz-build lint mutate demo \
	bench install uninstall deb clean deps

all: pkgcheck $(PROGS) $(STEPS)

pkgcheck:
	@for p in $(PKGS); do \
	    pkg-config --exists "$$p" || { \
	    echo "sslm: build needs $$p (pkg-config cannot find it);" \
	        "run scripts/deps to install the Debian packages" >&2; \
	    exit 1; }; done
	@pkg-config --atleast-version=3.0 openssl || { \
	    echo "sslm: build needs OpenSSL 3 or later" >&2; exit 1; }

$(OBJDIR)/lib/%.o: lib/%.c lib/sslm.h $(wildcard lib/*_priv.h) | pkgcheck
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WFLAGS) $(CFLAGS) -c -o $@ $<

# The private header of the TOML parser's two files.
$(OBJDIR)/lib/toml.o $(OBJDIR)/lib/toml_scan.o: lib/toml_priv.h

$(OBJDIR)/tools/%.o: tools/%.c lib/sslm.h | pkgcheck
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WFLAGS) $(CFLAGS) -c -o $@ $<

$(OBJDIR)/libsslm.a: $(LIBOBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# --as-needed: each program loads only the libraries it uses (a smaller
# start-up and resident set for the small filters).
$(OUTDIR)/sslm-%: $(OBJDIR)/tools/%.o $(OBJDIR)/libsslm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,--as-needed -o $@ $^ $(PKG_LIBS) -lm

$(OUTDIR)/sslm-%: pipelines/sslm-%
	@mkdir -p $(@D)
	cp $< $@.tmp && chmod 755 $@.tmp && mv $@.tmp $@

$(STEPDIR)/%.sh: pipelines/steps/%.sh
	@mkdir -p $(@D)
	cp $< $@.tmp && chmod 644 $@.tmp && mv $@.tmp $@

deps:
	@sh scripts/deps

check: deps
	@$(MAKE) --no-print-directory all
	@sh tests/run $(OUTDIR)

ASAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	     -fno-sanitize-recover=all
check-asan: deps
	@$(MAKE) --no-print-directory VARIANT=asan CFLAGS="$(ASAN_FLAGS)" \
	    LDFLAGS="$(ASAN_FLAGS)" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:verify_asan_link_order=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tests/run build/asan/bin

# libFuzzer harnesses (fuzz/fuzz_*.c, clang): the library built again
# with the fuzzer's coverage and ASan + UBSan in build/fuzz (VARIANT=fuzz,
# nothing of the normal build is touched), one program a harness, seed
# corpora made by fuzz/seeds.sh.  make fuzz FUZZ_SECONDS=N runs each
# harness N seconds (fuzz/run.sh) and fails on a crash.
FUZZ_CC	 ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_LIBFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link \
	     $(FUZZ_SAN)
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer $(FUZZ_SAN)
FUZZERS	 = $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@sh fuzz/run.sh -t $(FUZZ_SECONDS) $(FUZZERS)

fuzz-build:
	@$(MAKE) --no-print-directory VARIANT=fuzz CC=$(FUZZ_CC) \
	    CFLAGS="$(FUZZ_LIBFLAGS)" build/fuzz/libsslm.a
	@$(MAKE) --no-print-directory VARIANT=fuzz \
	    $(FUZZERS:%=build/fuzz/fuzz_%)

# A harness may #include the .c file it fuzzes (to reach its static
# interpreters): its symbols then come from the harness, not the archive.
build/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(LIBSRC) lib/sslm.h \
	    $(wildcard lib/*_priv.h) tools/acme-order.c build/fuzz/libsslm.a
	$(FUZZ_CC) $(CPPFLAGS) -Ifuzz $(PKG_CFLAGS) $(WFLAGS) $(FUZZ_FLAGS) -o $@ $< \
	    build/fuzz/libsslm.a $(PKG_LIBS) -lm

# shellcheck file by file: checked together, it misses some warnings.
# Then sslm-mgr with its steps as one program, for the set -e notes
# (scripts/lint-steps): a step's functions are called in the others.
lint: deps
	@rc=0; \
	for f in $(SHFILES); do shellcheck -s sh "$$f" || rc=1; done; \
	sh scripts/lint-steps pipelines || rc=1; \
	for m in $(MANS); do mandoc -Tlint -W warning "$$m" || rc=1; done; \
	[ $$rc -eq 0 ] && echo "lint: clean"; exit $$rc

# Mutation run (not part of check): each mutation of tests/mutations in a
# scratch copy, against the tests it names.  MUTATE="-j 2 roll" passes
# options and an id pattern to tests/mutate.
MUTATE	?=
mutate: deps
	@python3 tests/mutate $(MUTATE)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh

# Installed examples: both conf.d trees and make-ca as they are; the cron
# file and the systemd units are templates whose @bindir@ and @sysconfdir@
# get the paths of this install.
EXTREES	 = $(shell cd examples && find ca-self letsencrypt -type f | sort)
UNITS	 = $(notdir $(wildcard examples/systemd/sslm-*))
SUBST	 = sed -e 's|@bindir@|$(bindir)|g' -e 's|@sysconfdir@|$(sysconfdir)|g'

install: all
	install -d $(DESTDIR)$(bindir)
	install -m 755 $(PROGS) $(DESTDIR)$(bindir)
	install -d $(DESTDIR)$(libexecdir)/sslm
	install -m 644 $(STEPS) $(DESTDIR)$(libexecdir)/sslm
	@for m in $(MANS); do \
	    s=$${m##*.}; install -d $(DESTDIR)$(mandir)/man$$s; \
	    echo install -m 644 $$m $(DESTDIR)$(mandir)/man$$s; \
	    install -m 644 $$m $(DESTDIR)$(mandir)/man$$s || exit 1; done
	@for f in $(EXTREES); do \
	    case $$f in */make-ca) m=755 ;; *) m=644 ;; esac; \
	    install -D -m $$m examples/$$f $(DESTDIR)$(exdir)/$$f || exit 1; \
	done; echo "installed examples/{ca-self,letsencrypt} in $(DESTDIR)$(exdir)"
	install -d $(DESTDIR)$(exdir)/crons $(DESTDIR)$(exdir)/systemd \
	    $(DESTDIR)$(unitdir)
	$(SUBST) examples/crons/sslm >$(DESTDIR)$(exdir)/crons/sslm
	chmod 644 $(DESTDIR)$(exdir)/crons/sslm
	@for u in $(UNITS); do \
	    echo "install examples/systemd/$$u (paths of $(bindir)) in" \
	        "$(DESTDIR)$(unitdir) and $(DESTDIR)$(exdir)/systemd"; \
	    $(SUBST) examples/systemd/$$u >$(DESTDIR)$(unitdir)/$$u && \
	    chmod 644 $(DESTDIR)$(unitdir)/$$u && \
	    install -m 644 $(DESTDIR)$(unitdir)/$$u \
	        $(DESTDIR)$(exdir)/systemd/$$u || exit 1; done
	@if [ -n "$(crondir)" ]; then install -d $(DESTDIR)$(crondir) && \
	    install -m 644 $(DESTDIR)$(exdir)/crons/sslm $(DESTDIR)$(crondir); fi
	@# The layout of /etc/ssl-mgr: only what is missing, an existing
	@# configuration (and the modes it has) is never touched.
	@for d in $(DESTDIR)$(sysconfdir)/ssl-mgr:755 \
	    $(DESTDIR)$(sysconfdir)/ssl-mgr/conf.d:750; do \
	    [ -d $${d%:*} ] || { echo install -d -m $${d##*:} $${d%:*}; \
	        install -d -m $${d##*:} $${d%:*} || exit 1; }; done

# Removes what install put there; /etc/ssl-mgr stays (it is the operator's).
uninstall:
	rm -f $(PROGS:$(OUTDIR)/%=$(DESTDIR)$(bindir)/%)
	rm -f $(STEPS:$(STEPDIR)/%=$(DESTDIR)$(libexecdir)/sslm/%)
	rmdir $(DESTDIR)$(libexecdir)/sslm 2>/dev/null || :
	@for m in $(MANS); do s=$${m##*.}; \
	    rm -f $(DESTDIR)$(mandir)/man$$s/$${m##*/}; done
	rm -f $(UNITS:%=$(DESTDIR)$(unitdir)/%) $(UNITS:%=$(DESTDIR)$(exdir)/systemd/%)
	rm -f $(DESTDIR)$(exdir)/crons/sslm
	if [ -n "$(crondir)" ]; then rm -f $(DESTDIR)$(crondir)/sslm; fi
	@cd $(DESTDIR)$(exdir) 2>/dev/null && rm -f $(EXTREES) && \
	    find . -mindepth 1 -depth -type d -empty -delete && cd / && \
	    rmdir $(DESTDIR)$(exdir) $(DESTDIR)$(docdir) 2>/dev/null || :

# make deb: the Debian package, built in a copy of the tree under
# build/deb (dpkg-buildpackage puts its results in the parent of the
# tree it builds, here build/deb, not the parent of this checkout).
# The version of debian/changelog must be the one of lib/sslm.h.
DEBVER	 = $(shell sed -n 's/^\#define SSLM_VERSION[^"]*"\(.*\)"/\1/p' lib/sslm.h)
deb:
	@v=$$(dpkg-parsechangelog -S Version) && [ "$$v" = "$(DEBVER)" ] || { \
	    echo "sslm: debian/changelog says $$v, lib/sslm.h $(DEBVER)" >&2; \
	    exit 3; }
	rm -rf build/deb
	mkdir -p build/deb/sslm-$(DEBVER)
	tar -cf - --exclude=./build --exclude=./bin --exclude=./libexec \
	    --exclude=./.git --exclude=./debian/sslm --exclude=./debian/.debhelper . | \
	    tar -xf - -C build/deb/sslm-$(DEBVER)
	cd build/deb/sslm-$(DEBVER) && dpkg-buildpackage -us -uc -b
	@a=$$(dpkg-architecture -qDEB_HOST_ARCH) && \
	    echo "deb: $(CURDIR)/build/deb/sslm_$(DEBVER)_$$a.deb"

clean:
	rm -rf build bin libexec
