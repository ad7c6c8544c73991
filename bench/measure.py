"""The measurements. Planning runs in a fresh worker process per N (``python bench/measure.py``).

Worker: one warm-up plan (and replays, checked to register the same resources), then ``rounds``
interleaved triples of (plan, replay of the plan's inventory, typed replay; pairs without the typed
diagnostic), wall time with
``time.perf_counter`` after a ``gc.collect()``. Peak memory is the worker's peak resident set
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) read right after the warm-up plan: the interpreter,
every import and one whole plan of N products, nothing of the later rounds.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402


def meshplane_exe() -> str:
    """The ``meshplane`` console script installed next to this interpreter."""
    exe = Path(sys.executable).parent / "meshplane"
    return str(exe) if exe.exists() else "meshplane"


def worker(repo: str, stack: str, rounds: int, typed_rounds: bool = True) -> dict:
    """Plan and replay in this process; the JSON-able figures."""
    from meshplane.plan.run import plan_stack

    import replay
    import shape

    stacks = Path(repo) / "stacks"
    plan = plan_stack(stack, stacks)  # warm-up: imports, caches
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    check = replay.replay(plan.inventory.registrations, stack=stack)
    if not replay.same_resources(check, plan.inventory):
        raise SystemExit("the replay did not register the plan's resources")
    if typed_rounds:
        typed = replay.replay(plan.inventory.registrations, stack=stack, typed=True)
        if not replay.same_resources(typed, plan.inventory):
            raise SystemExit("the typed replay did not register the plan's resources")
        del typed
    deploy = shape.deploy_shape(plan.inventory)
    resources = len(plan.inventory.registrations)
    registrations = plan.inventory.registrations
    del plan, check
    plan_s, replay_s, typed_s = [], [], []
    for _ in range(rounds):
        plan_s.append(_timed_call(lambda: plan_stack(stack, stacks)))
        replay_s.append(_timed_call(lambda: replay.replay(registrations, stack=stack)))
        if typed_rounds:
            typed_s.append(_timed_call(lambda: replay.replay(registrations, stack=stack, typed=True)))
    return {"registrations": resources, "plan_s": plan_s, "replay_s": replay_s, "typed_replay_s": typed_s,
            "peak_rss_mb": peak_rss_mb, "shape": deploy}


def _timed_call(fn) -> float:
    """Wall time of ``fn()``, from a collected heap; its result is dropped before the next call."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure_plan(n: int, rounds: int, domains: list[str], typed: bool = True) -> dict:
    """Generate a repository with a domain stack of ``n`` products; run a worker on it."""
    with tempfile.TemporaryDirectory(prefix=f"meshplane-bench-{n}-") as tmp:
        stack = generate.write_repo(tmp, n, domains)
        done = subprocess.run([sys.executable, __file__, tmp, stack, str(rounds), str(int(typed))], cwd=tmp,
                              capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"worker for N={n} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _timed(cmd: list[str], cwd: str, expect: int = 0) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed


def measure_validate(files: int, domains: list[str], repeats: int = 3) -> dict:
    """``meshplane validate products`` on ``files`` declarations, whole process: the median."""
    with tempfile.TemporaryDirectory(prefix="meshplane-bench-validate-") as tmp:
        generate.write_mesh(tmp, files, domains)
        times = [_timed([meshplane_exe(), "validate", "products"], tmp) for _ in range(repeats)]
    wall = statistics.median(times)
    return {"files": files, "validate_s": wall, "validate_per_s": files / wall}


def measure_cold(repeats: int = 5) -> dict:
    """``meshplane --help`` and ``meshplane validate <one file>`` as whole processes: medians."""
    with tempfile.TemporaryDirectory(prefix="meshplane-bench-cold-") as tmp:
        path = generate.write_mesh(tmp, 1, ["solo"])[0]  # alone, yet valid: no upstream, no product consumer
        exe = meshplane_exe()
        help_s = [_timed([exe, "--help"], tmp) for _ in range(repeats)]
        one_s = [_timed([exe, "validate", str(path)], tmp) for _ in range(repeats)]
        probe = ("import sys, meshplane.cli.main as c; sys.argv = ['meshplane', 'validate', sys.argv[1]]\n"
                 "try: c.main()\nexcept SystemExit: pass\n"
                 "print(sorted({m.split('.')[0] for m in sys.modules} & {'pulumi', 'pulumi_gcp'}))")
        heavy = subprocess.run([sys.executable, "-c", probe, str(path)], cwd=tmp,
                               capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return {"help_cold_s": statistics.median(help_s), "validate_one_cold_s": statistics.median(one_s),
            "validate_imports": heavy}


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    result = worker(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1")
    print(json.dumps(result))
