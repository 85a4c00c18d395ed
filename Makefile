# swapinspect — build, demo and test entry points. See README.md.
SHELL := /bin/bash
SWIFT ?= swift
PREFIX ?= /usr/local
DEBIAN_PACKAGES := libext2fs-dev libblkid-dev pkg-config e2fsprogs xfsprogs btrfs-progs util-linux fdisk python3-jsonschema mandoc cryptsetup-bin lvm2 mdadm prometheus zsh fish bash-completion bsdutils ntfs-3g qemu-utils qemu-system-common fuse3
# Release builds link the Swift runtime statically: the installed binary needs no Swift toolchain, and
# starts 2–3 ms sooner (no dynamic Swift libraries to load and relocate). No $ORIGIN rpath: nothing is
# loaded from beside the binary, and the dynamic loader does not look there first for every library.
# make test-vm: qemu (TCG), the guest's busybox, its initramfs (cpio, depmod/modprobe of kmod to order
# the kernel modules, xz to unpack them, strip), and the guest's vfat/exFAT/ext4 disks.
VM_PACKAGES := qemu-system-x86 busybox-static cpio kmod xz-utils binutils dosfstools exfatprogs e2fsprogs file
RELEASE_FLAGS := -c release --static-swift-stdlib --disable-local-rpath
RELEASE_BIN = $(shell $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/swapinspect

.PHONY: all deps build release demo test test-vm vm-deps completions install clean bench bench-startup bench-deps fuzz

all: build

## deps: install the Debian packages that are missing (needs root or sudo)
deps:
	@./scripts/install-deps.sh $(DEBIAN_PACKAGES)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

## demo: build, create demo swap files in a temporary directory and inspect them
demo: release
	@./scripts/demo.sh "$(RELEASE_BIN)"

## test: every test; the kernel tests need root and loop devices and say why when they skip
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 1 2>&1 | tee .build/test.log; status=$${PIPESTATUS[0]}; \
	  if ((status != 0)); then ./scripts/test-summary.sh .build/test.log; fi; exit $$status

## test-vm: the qemu guest (Tests/VM, SwapInspectVMTests): Debian's cloud kernel (downloaded once into
## .build-vm/cache) boots the release build; inspect against the guest kernel's swapon on vfat and exFAT
## (512-byte blocks), hibernation into an ext4 swap file and resume by resume_offset= (~2–4 minutes, TCG)
test-vm: deps vm-deps release
	$(SWIFT) build --build-tests
	SWAPINSPECT_VM=1 SWAPINSPECT_VM_BIN="$(RELEASE_BIN)" $(SWIFT) test --skip-build --filter SwapInspectVMTests 2>&1 | tee .build/test-vm.log; exit $${PIPESTATUS[0]}

vm-deps:
	@./scripts/install-deps.sh $(VM_PACKAGES)

## bench: the start-up table (swapinspect on small swap files against filefrag, swapon, blkid, a Swift hello
## world and a minimal ArgumentParser CLI), then swapinspect against filefrag, debugfs and a bare FIEMAP walk
## at 1–1M extents (root for the loop-mounted images; ~7 minutes, ~25 GiB of sparse images under /var/tmp);
## writes bench/out/results.md
bench: deps bench-deps
	@./bench/run.sh

## bench-startup: the start-up table alone (~2 minutes, no images; root only for `list` with two active areas)
bench-startup: deps bench-deps
	@BENCH_ONLY=startup ./bench/run.sh

bench-deps:
	@./scripts/install-deps.sh hyperfine time gcc valgrind

## fuzz: each libFuzzer target of fuzz/ for FUZZ_SECONDS (default 60); crashes land in fuzz/artifacts/
FUZZ_SECONDS ?= 60
fuzz: deps
	@./fuzz/run.sh $(FUZZ_SECONDS)

## completions: regenerate the committed shell completions from the CLI
completions: build
	@for shell in bash zsh fish; do \
	  case $$shell in bash) out=completions/swapinspect.bash;; zsh) out=completions/_swapinspect;; fish) out=completions/swapinspect.fish;; esac; \
	  $$($(SWIFT) build --show-bin-path)/swapinspect --generate-completion-script $$shell > $$out; \
	done

install: release
	install -D -m 0755 "$(RELEASE_BIN)" $(DESTDIR)$(PREFIX)/bin/swapinspect
	install -D -m 0644 man/swapinspect.8 $(DESTDIR)$(PREFIX)/share/man/man8/swapinspect.8
	install -D -m 0644 docs/swapinspect.schema.json $(DESTDIR)$(PREFIX)/share/swapinspect/swapinspect.schema.json
	install -D -m 0644 completions/swapinspect.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/swapinspect
	install -D -m 0644 completions/_swapinspect $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_swapinspect
	install -D -m 0644 completions/swapinspect.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/swapinspect.fish

clean:
	rm -rf .build .build-vm
