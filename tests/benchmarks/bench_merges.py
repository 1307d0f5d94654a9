"""Merging a much-used theme, beyond what bench_stall.py drives: an undo after the archive
was closed and opened again (through the window, warm and after drop_caches), and the merges
around a waiting one, timed in the archive process on a copy of the archive.

    uv run python tests/benchmarks/bench_merges.py --archive /tmp/bench100k.gleaner

The archive is the one bench_stall.py builds (make_archive.py); it is copied first, so it is
left as it was. Every change made is undone. The cold round needs root (drop_caches).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_stall  # noqa: E402  (the window's stopwatch and session)

from gleaner.core import operations as ops  # noqa: E402
from gleaner.core.archive import Archive  # noqa: E402


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def merges_around_a_waiting_one(path: Path, rounds: int) -> dict[str, list[float]]:
    """In the archive process's place: merge the median theme into the most used, then
    delete that theme and undo, merge it on into another theme and undo, undo the merge."""
    out: dict[str, list[float]] = {}
    archive = Archive.open(path)
    try:
        by_use = sorted(archive.list_themes(), key=lambda t: (t.highlight_count, t.id))
        source, target = by_use[len(by_use) // 2], by_use[-1]
        other = by_use[len(by_use) // 2 + 1]
        for _ in range(rounds + 1):
            times = {
                "merge the median theme into the most used": timed(
                    lambda: ops.merge_theme(archive, source.id, target.id)),
                "delete the theme it went into": timed(
                    lambda: ops.delete_theme(archive, target.id)),
                "undo (delete)": timed(lambda: ops.undo(archive)),
                "merge the theme it went into on into another": timed(
                    lambda: ops.merge_theme(archive, target.id, other.id)),
                "undo (that merge)": timed(lambda: ops.undo(archive)),
                "undo (the first merge)": timed(lambda: ops.undo(archive)),
            }
            for name, value in times.items():
                out.setdefault(name, []).append(value)
    finally:
        archive.close()
    return {name: values[1:] for name, values in out.items()}  # the first round warms up


def undo_after_reopening(path: Path, rounds: int, cold: bool) -> list[tuple[float, float]]:
    """Through the window: merge, close the window (and its archive), open it again, undo;
    (update ms, longest block ms) of each undo. One round, after drop_caches, if `cold`."""
    stopwatch = bench_stall.Stopwatch(bench_stall.QApplication.instance())
    if cold:
        return [reopened_undo(stopwatch, path, cold=True)]
    reopened_undo(stopwatch, path, cold=False)  # warm-up
    return [reopened_undo(stopwatch, path, cold=False) for _ in range(rounds)]


def reopened_undo(stopwatch, path: Path, cold: bool) -> tuple[float, float]:
    session = bench_stall.Session(stopwatch, path)
    window = session.window
    source, target = session.median_theme, session.most_used_theme
    stopwatch.measure(lambda: window.merge_theme(source.id, target.id),
                      lambda: session.theme(source.id) is None and window.running_op is None,
                      [window.themes_panel.tree.viewport()])
    stopwatch.settle()
    window.close()  # not session.close(): that would undo the merge first
    window.archive.close()
    window.deleteLater()
    stopwatch.settle(50)
    if cold and not bench_stall.drop_caches():
        print("not cold: drop_caches needs root", file=sys.stderr)
    reopened = bench_stall.Session(stopwatch, path)
    stopwatch.settle(300)
    result = reopened.undo(lambda: reopened.theme(source.id) is not None
                           and reopened.window.running_op is None,
                           [reopened.window.themes_panel.tree.viewport()])
    stopwatch.settle(300)
    reopened.close()
    return result


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({max(values):.0f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-merges-"))
    try:
        copy = work / "copy.gleaner"
        shutil.copyfile(args.archive, copy)
        print("| merges around a waiting one (archive process) | ms, median (max) |")
        print("| --- | ---: |")
        for name, values in merges_around_a_waiting_one(copy, args.repeats).items():
            print(f"| {name} | {summary(values)} |")
        # Settings of our own, without the daily backup (a 2 GB copy would skew the times).
        bench_stall.QSettings.setDefaultFormat(bench_stall.QSettings.Format.IniFormat)
        bench_stall.QSettings.setPath(bench_stall.QSettings.Format.IniFormat,
                                      bench_stall.QSettings.Scope.UserScope, str(work))
        bench_stall.create_application([sys.argv[0]])
        bench_stall.QSettings().setValue("backups/daily", False)
        warm = undo_after_reopening(copy, args.repeats, cold=False)
        cold = undo_after_reopening(copy, 1, cold=True)
        print()
        print("| undo of a merge after closing and opening the window | update ms | block ms |")
        print("| --- | ---: | ---: |")
        print(f"| warm, median (max) of {len(warm)} | {summary([r[0] for r in warm])} "
              f"| {summary([r[1] for r in warm])} |")
        for update, block in cold:
            print(f"| first after drop_caches | {update:.0f} | {block:.0f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
