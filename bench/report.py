#!/usr/bin/env python3
"""Turns bench/run.sh's hyperfine JSON and RSS numbers into bench/out/results.md (printed on stdout)."""
import json
import os
import platform
import statistics
import subprocess
import sys

out, binary = sys.argv[1], sys.argv[2]


def load(name):
    path = os.path.join(out, "json", name + ".json")
    if not os.path.exists(path):
        return None
    return {r["command"]: r for r in json.load(open(path))["results"]}


rss = {}
if os.path.exists(os.path.join(out, "rss.tsv")):
    for line in open(os.path.join(out, "rss.tsv")):
        case, label, kib = line.rstrip("\n").split("\t")
        rss[(case, label)] = int(kib) if kib.isdigit() else None
extents = {}
if os.path.exists(os.path.join(out, "extents.tsv")):
    for line in open(os.path.join(out, "extents.tsv")):
        fs, nominal, actual = line.split()
        extents[(fs, nominal)] = actual


def t(result):
    """median (min–max) in seconds."""
    return f"{result['median']:.3f} ({result['min']:.3f}–{result['max']:.3f})"


def ratio(a, b):
    return a["median"] / b["median"]


def cpu_ratio(a, b):
    """user+system CPU time (means): swapinspect walks FIEMAP on two threads, so its wall time hides some."""
    return (a["user"] + a["system"]) / (b["user"] + b["system"])


def mib(case, label):
    kib = rss.get((case, label))
    return "?" if kib is None else f"{kib / 1024:.1f}"


lines = []
checks = []  # (target, measured, limit, ok)
p = lines.append
cpu = "?"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
p("# swapinspect benchmarks")
p("")
p(f"Machine: {cpu}, {os.cpu_count()} CPUs, Linux {platform.release()}; {version}. "
  "Times in seconds: median (min–max) of 5–20 hyperfine runs after a warm-up, warm cache, output to /dev/null; "
  "RSS: peak resident set of one run (/usr/bin/time %M). Ratios are of wall time, except \"CPU time\" "
  "(user + system): swapinspect asks the kernel for the next FIEMAP batch on a helper thread while it converts "
  "the previous one. Reproduce with `make bench` (the start-up table alone: `make bench-startup`).")

def load_rounds(prefix):
    """The rounds PREFIX-1.json, PREFIX-2.json, ... of the same commands, merged: every run's time, and the
    mean user and system times over all of them."""
    merged = {}
    round_number = 1
    while (r := load(f"{prefix}-{round_number}")) is not None:
        for label, result in r.items():
            m = merged.setdefault(label, {"times": [], "user": 0.0, "system": 0.0})
            m["times"] += result["times"]
            m["user"] += result["user"] * len(result["times"])
            m["system"] += result["system"] * len(result["times"])
        round_number += 1
    for m in merged.values():
        m["user"] /= len(m["times"])
        m["system"] /= len(m["times"])
        m["median"], m["min"], m["max"] = statistics.median(m["times"]), min(m["times"]), max(m["times"])
    return merged, round_number - 1


startup, startup_rounds = load_rounds("startup")
if startup:
    counts = {}
    if os.path.exists(os.path.join(out, "startup-instructions.tsv")):
        for line in open(os.path.join(out, "startup-instructions.tsv")):
            label, count = line.rstrip("\n").split("\t")
            counts[label] = int(count) if count.isdigit() else None
    facts = {}
    if os.path.exists(os.path.join(out, "startup-extents.tsv")):
        for line in open(os.path.join(out, "startup-extents.tsv")):
            key, value = line.split()
            facts[key] = value
    base_label = "ArgumentParser CLI"
    base = startup.get(base_label)

    def ms(result):
        return f"{result['median'] * 1000:.2f} ({result['min'] * 1000:.2f}–{result['max'] * 1000:.2f})"

    def instructions(label):
        count = counts.get(label)
        return "?" if count is None else f"{count / 1e6:.2f}M"

    def instruction_ratio(label):
        count, floor = counts.get(label), counts.get(base_label)
        return "?" if not count or not floor else f"{count / floor:.2f}"

    runs = len(next(iter(startup.values()))["times"])
    p("")
    p("## Start-up (the common small swap file)")
    p("")
    p(f"Each command started anew, {runs} hyperfine runs in {startup_rounds} rounds of every command one after the "
      "other (so that the machine's load falls on every command alike), each round after 5 warm-ups; "
      "milliseconds, median (min–max). "
      f"Swap files on the file system of /var/tmp: `swap-1` ({facts.get('swap-1', '?')} extent), `swap-100` "
      f"({facts.get('swap-100', '?')} extents, made with FALLOC_FL_COLLAPSE_RANGE); `list` with "
      f"{facts.get('areas', '?')} active areas. The baselines are built by the bench as swapinspect is (release, "
      "static Swift standard library, no $ORIGIN rpath; bench/startup/): a Swift hello world, and a minimal swift-argument-parser CLI "
      "with two subcommands (`minimal-cli greet --loud world`), the floor the ratios are taken against. "
      "Instructions: callgrind, the whole process (dynamic loader included), on copies without debug information.")
    p("")
    p(f"| command | wall ms | user + system ms | instructions | ÷ ArgumentParser CLI, wall | ÷ ArgumentParser CLI, instructions | RSS MiB |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in startup.items():
        wall = f"{ratio(r, base):.2f}" if base else "?"
        p(f"| {label} | {ms(r)} | {(r['user'] + r['system']) * 1000:.2f} | {instructions(label)} | {wall} "
          f"| {instruction_ratio(label)} | {mib('startup', label)} |")
    if base:
        for label, limit in [("swapinspect inspect, 1 extent", 1.2), ("swapinspect --version", 1.1), ("swapinspect list", 1.5)]:
            if label in startup:
                value = ratio(startup[label], base)
                checks.append((f"start-up: {label.removeprefix('swapinspect ')} ÷ ArgumentParser CLI ≤ {limit}",
                               f"{value:.2f} (instructions {instruction_ratio(label)})", value <= limit))

fss = sorted({k[0] for k in extents}, key=lambda f: ["ext4", "xfs"].index(f) if f in ["ext4", "xfs"] else 9)
if fss:
    p("")
    p("## Live (FIEMAP, loop-mounted)")
    p("")
    p("| fs | extents | `inspect --extents` | `--extents --json` | `filefrag -v` | `inspect` | `filefrag` | FIEMAP walk (C) "
      "| full ÷ `filefrag -v` | full ÷ walk | full ÷ walk, CPU time | json ÷ `filefrag -v` | `inspect` ÷ `filefrag` | RSS MiB full / json / `filefrag -v` |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fs in fss:
        for (f, nominal), actual in sorted(extents.items(), key=lambda kv: int(kv[0][1])):
            if f != fs:
                continue
            case = f"live-{fs}-{nominal}"
            r = load(case)
            if not r:
                continue
            full, js, fv, summary, ff, walk = (r[k] for k in
                ["inspect --extents", "inspect --extents --json", "filefrag -v", "inspect", "filefrag", "fiemap walk"])
            p(f"| {fs} | {int(actual):,} | {t(full)} | {t(js)} | {t(fv)} | {t(summary)} | {t(ff)} | {t(walk)} "
              f"| {ratio(full, fv):.2f} | {ratio(full, walk):.2f} | {cpu_ratio(full, walk):.2f} | {ratio(js, fv):.2f} | {ratio(summary, ff):.2f} "
              f"| {mib(case, 'inspect --extents')} / {mib(case, 'inspect --extents --json')} / {mib(case, 'filefrag -v')} |")
            if int(nominal) >= 1_000_000:
                checks.append((f"{fs} 1M: full report ÷ `filefrag -v` ≤ 0.8", f"{ratio(full, fv):.2f}", ratio(full, fv) <= 0.8))
                checks.append((f"{fs} 1M: full report ÷ FIEMAP walk ≤ 1.3", f"{ratio(full, walk):.2f}", ratio(full, walk) <= 1.3))
                peak = max(rss.get((case, "inspect --extents")) or 0, rss.get((case, "inspect --extents --json")) or 0)
                checks.append((f"{fs} 1M: peak RSS ≤ 100 MiB", f"{peak / 1024:.1f} MiB", 0 < peak <= 100 * 1024))
                three = rss.get((case + "-x3", "inspect --extents --json, 3 paths"))
                one = rss.get((case, "inspect --extents --json"))
                if three is not None and one:
                    checks.append((f"{fs} 1M: the same file 3 times in one call, peak RSS ≤ 1.1 × once (ours)",
                                   f"{three / 1024:.1f} MiB ({three / one:.2f} ×)", 0 < three <= 1.1 * one))

offline = [(n, load(f"offline-ext4-{n}")) for (f, n) in sorted(extents, key=lambda k: int(k[1])) if f == "ext4"]
offline = [(n, r) for n, r in offline if r]
if offline:
    p("")
    p("## Offline (libext2fs, the same ext4 image unmounted)")
    p("")
    p("| extents | `image --extents --path P` | `debugfs -R \"ex P\"` | ratio | RSS MiB swapinspect / debugfs |")
    p("|---:|---:|---:|---:|---:|")
    for n, r in offline:
        mine, theirs = r["image --extents --path"], r["debugfs ex"]
        case = f"offline-ext4-{n}"
        p(f"| {int(extents[('ext4', n)]):,} | {t(mine)} | {t(theirs)} | {ratio(mine, theirs):.2f} "
          f"| {mib(case, 'image --extents --path')} / {mib(case, 'debugfs ex')} |")
        if int(n) >= 1_000_000:
            checks.append(("offline 1M ÷ `debugfs ex` ≤ 1.0", f"{ratio(mine, theirs):.2f}", ratio(mine, theirs) <= 1.0))
            peak = rss.get((case, "image --extents --path")) or 0
            checks.append(("offline 1M: peak RSS ≤ 100 MiB", f"{peak / 1024:.1f} MiB", 0 < peak <= 100 * 1024))

size = load("size")
if size:
    p("")
    p("## Image size (a 64 MiB swap file, `image IMAGE --path /swapfile`)")
    p("")
    p("| | 1 GiB image | 1 TiB image | ratio | RSS MiB 1 GiB / 1 TiB |")
    p("|---|---:|---:|---:|---:|")
    for suffix in ["", " --extents"]:
        small, big = size["1 GiB image" + suffix], size["1 TiB image" + suffix]
        p(f"| summary{suffix} | {t(small)} | {t(big)} | {ratio(big, small):.2f} "
          f"| {mib('size', '1 GiB image' + suffix)} / {mib('size', '1 TiB image' + suffix)} |")
    checks.append(("1 TiB image ÷ 1 GiB image ≤ 2", f"{ratio(size['1 TiB image'], size['1 GiB image']):.2f}",
                   ratio(size["1 TiB image"], size["1 GiB image"]) <= 2.0))

scan, scan_fsck = load("scan"), load("scan-e2fsck")
if scan and scan_fsck:
    p("")
    p("## `--scan` of a 1 TiB image with 67M initialised inodes (one swap file named, one not)")
    p("")
    p("| | median | ratio |")
    p("|---|---:|---:|")
    mine, theirs = scan["image --scan --no-fsck"], scan_fsck["e2fsck -fn"]
    p(f"| image --scan --no-fsck | {t(mine)} | 1.00 |")
    p(f"| e2fsck -fn (one run) | {t(theirs)} | {ratio(theirs, mine):.0f} |")
    checks.append(("--scan of 1 TiB, 67M inodes ≤ 2 s", f"{mine['median']:.2f} s", mine["median"] <= 2.0))
create = load("create")
if create:
    mine, theirs = create["swapinspect create"], create["fallocate + mkswap"]
    p("")
    p("## Creating an 8 GiB swap file (ext4, loop-mounted)")
    p("")
    p("| `swapinspect create --size 8G F` | `fallocate -l 8G F && mkswap F` | ratio |")
    p("|---:|---:|---:|")
    p(f"| {t(mine)} | {t(theirs)} | {ratio(mine, theirs):.2f} |")
    checks.append(("create 8 GiB ÷ fallocate + mkswap ≤ 1.2", f"{ratio(mine, theirs):.2f}", ratio(mine, theirs) <= 1.2))
qcow2 = load("qcow2")
if qcow2:
    p("")
    p("## Container formats (a 20 GiB ext4 disk with a 2 GiB swap file, `image IMAGE --path /swapfile`)")
    p("")
    p("Each container is read through qemu-storage-daemon's read-only FUSE export (no copy), e2fsck -fn included "
      "as on the raw image; ratios are of the same command on the raw image. CPU time counts the children "
      "(qemu-storage-daemon, e2fsck) too, and moves less than wall time with the machine's other load.")
    p("")
    p("| format | summary | ÷ raw | ÷ raw, CPU time | `--extents` | ÷ raw | ÷ raw, CPU time | RSS MiB summary / `--extents` |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|")
    raw, raw_extents = qcow2["raw"], qcow2["raw --extents"]
    names = {"vmdk-split": "vmdk, twoGbMaxExtentSparse (`--allow-backing-file`)"}
    for label in ["raw", "qcow2", "vmdk", "vmdk-split", "vhdx"]:
        if label not in qcow2:
            continue
        summary, extents_run = qcow2[label], qcow2[label + " --extents"]
        p(f"| {names.get(label, label)} | {t(summary)} | {ratio(summary, raw):.2f} | {cpu_ratio(summary, raw):.2f} "
          f"| {t(extents_run)} | {ratio(extents_run, raw_extents):.2f} | {cpu_ratio(extents_run, raw_extents):.2f} "
          f"| {mib('qcow2', label)} / {mib('qcow2', label + ' --extents')} |")
    for suffix in ["", " --extents"]:
        value = ratio(qcow2["qcow2" + suffix], qcow2["raw" + suffix])
        checks.append((f"qcow2 ÷ raw (20 GiB disk, 2 GiB data, `image{suffix} --path`) ≤ 2", f"{value:.2f}", value <= 2.0))
    leftovers_path = os.path.join(out, "json", "qcow2-leftovers.txt")
    if os.path.exists(leftovers_path):
        left = int(open(leftovers_path).read().strip() or "0")
        checks.append(("containers: nothing left in TMPDIR (no copy, export removed)", str(left), left == 0))
btrfs = load("btrfs")
if btrfs:
    extents = "?"
    report_path = os.path.join(out, "json", "btrfs-report.json")
    if os.path.exists(report_path):
        reports = json.load(open(report_path)).get("reports") or [{}]
        extents = (reports[0].get("activation") or {}).get("extents", "?")
    mine = btrfs["swapinspect image"]
    p("")
    p(f"## btrfs offline (an unmounted btrfs image, a NOCOW swap file of {extents} extents)")
    p("")
    p("| `image IMG --path /swapfile` (dump-tree) | `dump-tree -t 5 IMG` | ratio | `mount -o ro` + `map-swapfile -r` | ratio | RSS MiB |")
    p("|---:|---:|---:|---:|---:|---:|")
    dump, mapped = btrfs["dump-tree -t 5"], btrfs["mount -o ro + map-swapfile"]
    p(f"| {t(mine)} | {t(dump)} | {ratio(mine, dump):.2f} | {t(mapped)} | {ratio(mine, mapped):.2f} "
      f"| {mib('btrfs', 'swapinspect image')} |")
    # image dumps the extent tree too (the back references), and the subvolume tree once.
    checks.append(("btrfs image ÷ dump-tree -t 5 ≤ 10", f"{ratio(mine, dump):.2f}", ratio(mine, dump) <= 10.0))

if checks:
    p("")
    p("## Targets")
    p("")
    p("| target | measured | met |")
    p("|---|---:|---|")
    for target, measured, ok in checks:
        p(f"| {target} | {measured} | {'yes' if ok else '**no**'} |")
print("\n".join(lines))
