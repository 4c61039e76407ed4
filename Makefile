# bindwatch: build and install.
#
#   make                    release binaries (Swift runtime linked statically), stripped
#                           copies, shell completions and man pages, under $(SCRATCH)/dist
#   make install            installs them with the systemd units, the sysusers.d and
#                           tmpfiles.d snippets and the sample config (kept if present)
#   make uninstall          removes what install installed (a changed config stays)
#
# Honours DESTDIR and the usual directory variables, e.g.
#   make install DESTDIR=/tmp/pkg PREFIX=/usr
# scripts/check-install installs into a temporary DESTDIR and checks the result.

PREFIX      ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR      ?= $(EXEC_PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
DATAROOTDIR ?= $(PREFIX)/share
MANDIR      ?= $(DATAROOTDIR)/man
# Not $(PREFIX)/etc: bindwatchd reads /etc/bindwatch/bindwatch.yaml (and the unit's
# ConfigurationDirectory= is under /etc) whatever the prefix.
SYSCONFDIR  ?= /etc
# systemd also searches /usr/local/lib/{systemd/system,sysusers.d,tmpfiles.d}.
UNITDIR     ?= $(LIBDIR)/systemd/system
SYSUSERSDIR ?= $(LIBDIR)/sysusers.d
TMPFILESDIR ?= $(LIBDIR)/tmpfiles.d
BASHCOMPDIR ?= $(DATAROOTDIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATAROOTDIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATAROOTDIR)/fish/vendor_completions.d

SWIFT   ?= swift
STRIP   ?= strip
READELF ?= readelf
INSTALL ?= install

# Release build with the Swift runtime (stdlib, Foundation, Dispatch) linked in. The
# binaries then need no Swift toolchain, only (ldd) libc6 (2.36 or later: Package.swift links
# release builds with lld and DT_RELR relocations), libstdc++6, libgcc-s1, libmnl0 (bindwatchd)
# and libyaml-0-2 (all but bindwatchctl).
SCRATCH           ?= .build-release
SWIFT_BUILD_FLAGS ?= -c release --static-swift-stdlib
BUILT             := $(SCRATCH)/release
DIST              := $(SCRATCH)/dist

# swift-argument-parser's generate-manual tool, built by its GenerateManual plugin in a
# scratch path of its own. Running the plugin proper in $(SCRATCH) is not an option: it
# rebuilds the package without --static-swift-stdlib, and later `swift build
# --static-swift-stdlib` runs then keep the dynamically linked binaries.
MANUAL_SCRATCH  ?= .build-manual
GENERATE_MANUAL := $(MANUAL_SCRATCH)/$(shell uname -m)-unknown-linux-gnu/debug/generate-manual-tool
# The man pages' date: SOURCE_DATE_EPOCH, else the last commit's, else today.
MAN_DATE = $(shell if [ -n "$(SOURCE_DATE_EPOCH)" ]; then date -u -d "@$(SOURCE_DATE_EPOCH)" +%F; \
	else git log -1 --format=%cs 2>/dev/null || date -u +%F; fi)

PROGRAMS := bindwatchd bindwatchctl bindwatch-dispatch bindwatch-metrics
# bindwatchd is a daemon: section 8 (system administration), like sshd(8) and
# systemd-networkd(8); so are the services bindwatch-dispatch and bindwatch-metrics, like
# networkd-dispatcher(8). bindwatchctl is for any user: section 1, like networkctl(1).
MANPAGES := bindwatchd.8 bindwatchctl.1 bindwatch-dispatch.8 bindwatch-metrics.8
UNITS    := $(wildcard systemd/*.service systemd/*.socket)

.PHONY: all build completions man install uninstall clean

all: build completions man

# SwiftPM knows when the binaries are up to date, so this always asks it.
build:
	for p in $(PROGRAMS); do \
		$(SWIFT) build $(SWIFT_BUILD_FLAGS) --scratch-path $(SCRATCH) --product $$p || exit 1; \
	done
	@for p in $(PROGRAMS); do \
		if $(READELF) -d $(BUILT)/$$p | grep -Eq 'NEEDED.*lib(swift|Foundation|dispatch|BlocksRuntime)'; then \
			echo "error: $(BUILT)/$$p links the Swift runtime dynamically: SwiftPM kept a build" \
				"description without --static-swift-stdlib; remove $(SCRATCH) and run make again" >&2; \
			exit 1; \
		fi; \
	done
	@mkdir -p $(DIST)/bin
	for p in $(PROGRAMS); do $(STRIP) --strip-all -o $(DIST)/bin/$$p $(BUILT)/$$p || exit 1; done

completions: build
	@mkdir -p $(DIST)/completions
	for p in $(PROGRAMS); do \
		$(BUILT)/$$p --generate-completion-script bash > $(DIST)/completions/$$p.bash && \
		$(BUILT)/$$p --generate-completion-script zsh > $(DIST)/completions/_$$p && \
		$(BUILT)/$$p --generate-completion-script fish > $(DIST)/completions/$$p.fish || exit 1; \
	done

# The plugin's tools are built before it runs, whatever its arguments; --help makes it
# stop there instead of building the whole package. After `build`, so that two SwiftPM
# runs never resolve the package at once under make -j.
$(GENERATE_MANUAL): | build
	$(SWIFT) package --scratch-path $(MANUAL_SCRATCH) plugin generate-manual --help > /dev/null
	@test -x $@ || { echo "error: the GenerateManual plugin built no $@" >&2; exit 1; }

man: build $(GENERATE_MANUAL)
	@mkdir -p $(DIST)/man
	for page in $(MANPAGES); do \
		$(GENERATE_MANUAL) $(BUILT)/$${page%.*} --section $${page##*.} --date $(MAN_DATE) \
			--output-directory $(DIST)/man || exit 1; \
		test -s $(DIST)/man/$$page || { echo "error: no $(DIST)/man/$$page" >&2; exit 1; }; \
	done

install: all
	$(INSTALL) -Dm0755 -t $(DESTDIR)$(BINDIR) $(addprefix $(DIST)/bin/,$(PROGRAMS))
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	for unit in $(UNITS); do \
		sed -E 's#^(Exec[A-Za-z]*=[-@:+!]*)/usr/local/bin/(bindwatchd|bindwatchctl|bindwatch-dispatch|bindwatch-metrics)([[:space:]]|$$)#\1$(BINDIR)/\2\3#' \
			$$unit > $(DESTDIR)$(UNITDIR)/$${unit##*/} && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${unit##*/} || exit 1; \
	done
	$(INSTALL) -Dm0644 systemd/sysusers.d/bindwatch.conf $(DESTDIR)$(SYSUSERSDIR)/bindwatch.conf
	$(INSTALL) -Dm0644 systemd/tmpfiles.d/bindwatch.conf $(DESTDIR)$(TMPFILESDIR)/bindwatch.conf
	@# Packages put their dispatch programs here; /etc/bindwatch/dispatch.d overrides them.
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/bindwatch/dispatch.d
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/bindwatch/bindwatch.yaml ]; then \
		echo "keeping the existing $(DESTDIR)$(SYSCONFDIR)/bindwatch/bindwatch.yaml"; \
	else \
		echo "$(INSTALL) -Dm0644 Config/bindwatch.yaml $(DESTDIR)$(SYSCONFDIR)/bindwatch/bindwatch.yaml"; \
		$(INSTALL) -Dm0644 Config/bindwatch.yaml $(DESTDIR)$(SYSCONFDIR)/bindwatch/bindwatch.yaml; \
	fi
	for p in $(PROGRAMS); do \
		$(INSTALL) -Dm0644 $(DIST)/completions/$$p.bash $(DESTDIR)$(BASHCOMPDIR)/$$p && \
		$(INSTALL) -Dm0644 $(DIST)/completions/_$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p && \
		$(INSTALL) -Dm0644 $(DIST)/completions/$$p.fish $(DESTDIR)$(FISHCOMPDIR)/$$p.fish || exit 1; \
	done
	for page in $(MANPAGES); do \
		$(INSTALL) -Dm0644 $(DIST)/man/$$page $(DESTDIR)$(MANDIR)/man$${page##*.}/$$page || exit 1; \
	done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PROGRAMS))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	rm -f $(DESTDIR)$(SYSUSERSDIR)/bindwatch.conf $(DESTDIR)$(TMPFILESDIR)/bindwatch.conf
	-rmdir $(DESTDIR)$(LIBDIR)/bindwatch/dispatch.d $(DESTDIR)$(LIBDIR)/bindwatch 2>/dev/null
	rm -f $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,$(PROGRAMS)) \
		$(addprefix $(DESTDIR)$(ZSHCOMPDIR)/_,$(PROGRAMS)) \
		$(addprefix $(DESTDIR)$(FISHCOMPDIR)/,$(addsuffix .fish,$(PROGRAMS)))
	rm -f $(foreach page,$(MANPAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(page)))/$(page))
	@# The config goes only if unchanged; an edited one stays, as with dpkg's conffiles.
	@if cmp -s Config/bindwatch.yaml $(DESTDIR)$(SYSCONFDIR)/bindwatch/bindwatch.yaml; then \
		echo "rm -f $(DESTDIR)$(SYSCONFDIR)/bindwatch/bindwatch.yaml"; \
		rm -f $(DESTDIR)$(SYSCONFDIR)/bindwatch/bindwatch.yaml; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/bindwatch 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/bindwatch/bindwatch.yaml ]; then \
		echo "keeping the changed $(DESTDIR)$(SYSCONFDIR)/bindwatch/bindwatch.yaml"; \
	fi

clean:
	rm -rf $(SCRATCH) $(MANUAL_SCRATCH)
