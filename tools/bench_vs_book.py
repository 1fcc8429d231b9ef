"""Time the book's ch06 scripts on the book's own code and on pyref, in alternating runs.

    python tools/bench_vs_book.py /path/to/deep-learning-from-scratch [script.py ...] [--pairs 3]

Each script runs through the same runner as ``tools/compare_with_book.py`` (same
seed, same embedded data, imports switched to pyref in one of the two modes),
``--pairs`` times per mode, book and pyref alternating (and which goes first
alternating too), so a slow spell on the machine falls on both. For every run the
whole process is measured: wall time, user and system CPU time, minor page faults
and peak resident memory (from ``wait4``). Every run's output must be identical,
or the script is reported as DIFFERENT and the exit status is 1.

The table (Markdown) gives medians per mode and the median of the per-pair wall-time
ratios (pyref ÷ book). ``--json PATH`` keeps every run's figures. Measure on a quiet
machine: anything else using the cores moves the times by tens of percent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_with_book import CH06_SCRIPTS, resolve, runner_command  # noqa: E402


def measure(book: Path, mode: str, script: str, seed: int) -> dict:
    """One run of ``script`` in ``mode``: its output and what the process cost."""
    import subprocess

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        chapter, name = resolve(script)
        start = time.perf_counter()
        proc = subprocess.Popen(
            runner_command(book, mode, chapter, name, seed, None),
            cwd=book / chapter,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{script} ({mode}) failed:\n{err.read().decode()[-2000:]}")
        return {
            "output": out.read().decode(),
            "wall_s": wall,
            "user_s": usage.ru_utime,
            "system_s": usage.ru_stime,
            "minor_faults": usage.ru_minflt,
            "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux reports KiB
        }


def bench_script(book: Path, script: str, pairs: int, seed: int) -> dict:
    runs: dict[str, list[dict]] = {"book": [], "pyref": []}
    for pair in range(pairs):
        for mode in ("book", "pyref") if pair % 2 == 0 else ("pyref", "book"):
            runs[mode].append(measure(book, mode, script, seed))
            print(f"  {script} {mode} {runs[mode][-1]['wall_s']:.2f} s", file=sys.stderr)
    outputs = {run["output"] for mode in runs for run in runs[mode]}
    ratios = [p["wall_s"] / b["wall_s"] for b, p in zip(runs["book"], runs["pyref"])]
    summary = {
        "script": script,
        "identical": len(outputs) == 1,
        "pairs": pairs,
        "wall_ratio": statistics.median(ratios),
        "wall_ratios": ratios,
    }
    for mode in runs:
        for key in ("wall_s", "user_s", "system_s", "minor_faults", "peak_rss_mib"):
            summary[f"{mode}_{key}"] = statistics.median(run[key] for run in runs[mode])
        summary[f"{mode}_runs"] = [
            {k: v for k, v in r.items() if k != "output"} for r in runs[mode]
        ]
    return summary


def _cpu_name() -> str:
    """The processor's model name (Linux reports it in /proc/cpuinfo)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def table(results: list[dict]) -> str:
    lines = [
        "| script | book wall s | pyref wall s | pyref ÷ book | system s (book / pyref) "
        "| minor faults (book / pyref) | peak RSS MiB (book / pyref) | output |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['script']} | {r['book_wall_s']:.2f} | {r['pyref_wall_s']:.2f} "
            f"| **{r['wall_ratio']:.2f}** | {r['book_system_s']:.2f} / {r['pyref_system_s']:.2f} "
            f"| {r['book_minor_faults']:,.0f} / {r['pyref_minor_faults']:,.0f} "
            f"| {r['book_peak_rss_mib']:.0f} / {r['pyref_peak_rss_mib']:.0f} "
            f"| {'identical' if r['identical'] else 'DIFFERENT'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path, help="a checkout of deep-learning-from-scratch")
    parser.add_argument("scripts", nargs="*", default=list(CH06_SCRIPTS))
    parser.add_argument("--pairs", type=int, default=3, help="runs per mode (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write every run's figures here")
    args = parser.parse_args(argv)
    if args.pairs < 1:
        parser.error(f"--pairs must be at least 1, got {args.pairs}")
    if not (args.book / "ch06").is_dir():
        parser.error(f"{args.book} has no ch06/ folder")
    unknown = [s for s in args.scripts if s not in CH06_SCRIPTS]
    if unknown:
        parser.error(f"not a ch06 script this tool knows: {', '.join(unknown)}")
    results = [bench_script(args.book, script, args.pairs, args.seed) for script in args.scripts]
    machine = f"{_cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"Machine: {machine}; {args.pairs} runs per mode, alternating; medians.\n")
    print(table(results))
    if args.json is not None:
        payload = {"machine": machine, "pairs": args.pairs, "seed": args.seed, "results": results}
        tmp = args.json.with_suffix(args.json.suffix + ".tmp")
        tmp.write_text(json.dumps(payload, indent=1) + "\n")
        tmp.replace(args.json)
    return 0 if all(r["identical"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
