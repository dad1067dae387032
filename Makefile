# sslm: one GNU Makefile.  `make` builds every program into ./bin.
# Targets: all check check-asan lint mutate demo bench install uninstall
# clean

PREFIX	?= /usr/local
DESTDIR	?=
bindir	 = $(PREFIX)/bin
mandir	 = $(PREFIX)/share/man

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
MANS	 = $(wildcard man/*.[1-8])
SHFILES	 = $(wildcard pipelines/sslm-* tests/*.sh tests/env/*.sh tests/run \
	   bench/*.sh \
	   scripts/* examples/*/make-ca \
	   examples/*/*.sh .ci/run)

# Keep the objects: they are intermediate files of the pattern rules.
.SECONDARY:

.PHONY: all pkgcheck check check-asan lint mutate demo bench install \
	uninstall clean deps

all: pkgcheck $(PROGS)

pkgcheck:
	@for p in $(PKGS); do \
	    pkg-config --exists "$$p" || { \
	    echo "sslm: build needs $$p (pkg-config cannot find it);" \
	        "run scripts/deps to install the Debian packages" >&2; \
	    exit 1; }; done
	@pkg-config --atleast-version=3.0 openssl || { \
	    echo "sslm: build needs OpenSSL 3 or later" >&2; exit 1; }

$(OBJDIR)/lib/%.o: lib/%.c lib/sslm.h | pkgcheck
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WFLAGS) $(CFLAGS) -c -o $@ $<

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
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    sh tests/run build/asan/bin

lint: deps
	@rc=0; \
	shellcheck -s sh $(SHFILES) || rc=1; \
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

install: all
	install -d $(DESTDIR)$(bindir)
	install -m 755 $(PROGS) $(DESTDIR)$(bindir)
	@for m in $(MANS); do \
	    s=$${m##*.}; install -d $(DESTDIR)$(mandir)/man$$s; \
	    echo install -m 644 $$m $(DESTDIR)$(mandir)/man$$s; \
	    install -m 644 $$m $(DESTDIR)$(mandir)/man$$s || exit 1; done

uninstall:
	rm -f $(PROGS:$(OUTDIR)/%=$(DESTDIR)$(bindir)/%)
	@for m in $(MANS); do s=$${m##*.}; \
	    rm -f $(DESTDIR)$(mandir)/man$$s/$${m##*/}; done

clean:
	rm -rf build bin
