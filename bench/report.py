#!/usr/bin/env python3
"""Turns bench/run.sh's results (JSON lines) into bench/RESULTS.md: medians, ratios, the goals of
issue 8, the machine, the date, the thread counts and the versions.
Usage: report.py RESULTS.jsonl OUT.md --build DIR --python PY [--gpu] [--images N --rows N --epochs N --reps N]"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception:
        return ""


def epoch_s(run):
    """Seconds per epoch: the median over the epochs after the first (the first warms up), or the
    only epoch."""
    walls = [o["wall_s"] for o in run["out"] if "epoch" in o]
    walls = walls[1:] or walls
    return statistics.median(walls)


def rate(run, key="images_per_s"):
    return next(o[key] for o in run["out"] if key in o)


def loop_rate(run):
    return rate(run, "loop_images_per_s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("out")
    ap.add_argument("--build")
    ap.add_argument("--python")
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--images", type=int)
    ap.add_argument("--rows", type=int)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--reps", type=int)
    a = ap.parse_args()
    runs = [json.loads(l) for l in open(a.results) if l.strip()]

    def med(what, impl, threads, f):
        vals = [f(r) for r in runs if r["what"] == what and r["impl"] == impl and r["threads"] == threads]
        return statistics.median(vals) if vals else float("nan")

    cores = max(r["threads"] for r in runs)
    rows, goals = [], []

    def row(label, what, threads, f, unit, higher_better, goal=None):
        tk, py = med(what, "toolkit", threads, f), med(what, "python", threads, f)
        ratio = tk / py if higher_better else py / tk
        rss_tk = med(what, "toolkit", threads, lambda r: r["rss_mb"])
        rss_py = med(what, "python", threads, lambda r: r["rss_mb"])
        when = sorted({r.get("when", "")[:10] for r in runs if r["what"] == what} - {""})
        label += f" ({', '.join(when)})" if len({r.get("when", "")[:10] for r in runs}) > 1 else ""
        rows.append(f"| {label} | {tk:.4g} {unit} | {py:.4g} {unit} | **{ratio:.2f}×** | {rss_tk:.0f} MB | {rss_py:.0f} MB |")
        if goal:
            goals.append(f"| {goal[0]} | {ratio:.2f}× | {goal[1]}× | {'met' if ratio >= goal[1] else '**not met**'} |")
        return tk

    if not a.gpu:
        for t in sorted({1, cores}):
            n = f"{t} thread" + ("s" if t > 1 else "")
            ex = row(f"extraction, {a.images} JPEG crops → HDF5, {n} (whole process)", "extract", t,
                     lambda r: a.images / r["wall_s"], "img/s", True,
                     ("extraction vs Python, " + n, 1.5))
            loop = row(f"extraction after the backbone is loaded, {n}", "extract", t, loop_rate, "img/s", True)
            fw = row(f"bare forward on preloaded batches of 64, {n}", "forward", t, rate, "img/s", True)
            goals.append(f"| extraction (after loading) vs the toolkit's own bare forward, {n} | {loop / fw:.2f}× | "
                         f"0.90× | {'met' if loop / fw >= 0.9 else '**not met**'} |")
        for task, size in (("au", "C = D = 1280"), ("ex", "additive attention"), ("va", "")):
            row(f"{task.upper()} head, {size + ', ' if size else ''}{a.rows} rows, s per epoch", f"train-{task}", cores,
                epoch_s, "s", False, (f"{task.upper()} training vs Python", 1.5))
        row("scoring 1M predictions (whole process)", "score", cores, lambda r: r["wall_s"], "s", False,
            ("scoring vs pandas + scikit-learn", 10))
    else:
        ex = row("extraction on CUDA, fp16, channels-last (whole process)", "gpu-extract", cores,
                 lambda r: a.images / r["wall_s"], "img/s", True)
        loop = row("extraction on CUDA after the backbone is loaded", "gpu-extract", cores, loop_rate, "img/s", True)
        fw = row("bare fp16 forward, batches of 256", "gpu-forward", cores, rate, "img/s", True)
        goals.append(f"| GPU extraction (after loading) vs bare fp16 forward | {loop / fw:.2f}× | 0.90× | "
                     f"{'met' if loop / fw >= 0.9 else '**not met**'} |")
        row("AU head, 103k rows on the GPU, s per epoch", "gpu-train-au", cores, epoch_s, "s", False)

    version = lambda py, mod: sh(f"{py} -c 'import {mod}; print({mod}.__version__)' 2>/dev/null")
    cache = open(os.path.join(a.build, "CMakeCache.txt")).read() if a.build else ""
    torch_dir = next((l.split("=", 1)[1] for l in cache.splitlines() if l.startswith("Torch_DIR:")), "?")
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    mem_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    gpus = sh("nvidia-smi -L 2>/dev/null") or "no GPU"
    toolkit = sh(os.path.join(a.build, "tools/mtl-score") + " --version | head -1")
    lines = [
        "# Benchmark results" + (" (GPU)" if a.gpu else ""),
        "",
        f"Written by `bench/run.sh{' --gpu' if a.gpu else ''}` on {datetime.date.today().isoformat()}.",
        "",
        f"- Machine: {cpu}, {os.cpu_count()} CPUs, {mem_gib} GiB; {gpus}",
        f"- {platform.platform()}; toolkit {toolkit}, LibTorch from {torch_dir}",
        f"- Python baseline: {a.python}, PyTorch {version(a.python, 'torch')}, OpenCV {version(a.python, 'cv2')}, "
        f"pandas {version(a.python, 'pandas')}, scikit-learn {version(a.python, 'sklearn')}",
        f"- Threads: 1 (both programs pinned to CPU 0 with taskset) and {cores} (all cores); the same count "
        "for LibTorch in both; Python decodes in a DataLoader with that many workers (none at 1 thread).",
        f"- Medians of {a.reps} repetitions, the two programs alternating; ratio > 1 means the toolkit is "
        "faster. Memory: peak resident set of the whole process (`/usr/bin/time`).",
        "",
        "| what | toolkit | Python | toolkit speed-up | toolkit RSS | Python RSS |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "| goal (issue 8) | measured | wanted | |",
        "| --- | --- | --- | --- |",
        *goals,
        "",
        "Raw runs: every repetition's wall time, memory and printed JSON are in the run's "
        "`results.jsonl` (bench/work/ by default).",
        "",
    ]
    with open(a.out, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
