"""What each optimization of the plan engine buys: ``python bench/ablation.py [N]`` (default 50).

Plans a generated domain stack of N products in this process with every optimization on, then with
one switched off at a time (interleaved rounds, median wall time), and times loading the mesh's
declarations with and without the YAML fast path. The figures in docs/performance.md come from here.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402


@contextmanager
def no_gc_pause() -> Iterator[None]:
    from meshplane.engine import harness

    class CollectorOn:
        isenabled, enable = staticmethod(gc.isenabled), staticmethod(gc.enable)
        disable = staticmethod(lambda: None)

    harness.gc = CollectorOn
    try:
        yield
    finally:
        harness.gc = gc


@contextmanager
def with_stack_traces() -> Iterator[None]:
    from pulumi.runtime import resource

    from meshplane.engine import harness

    class Recorded:
        StackTrace = staticmethod(resource._get_stack_trace)

    original, harness.source_pb2 = harness.source_pb2, Recorded
    try:
        yield
    finally:
        harness.source_pb2 = original


@contextmanager
def decode_inputs_again() -> Iterator[None]:
    from meshplane.engine import harness

    original = harness._KeepInputs.new_resource
    harness._KeepInputs.new_resource = lambda self, args: self.wrapped.new_resource(args)
    try:
        yield
    finally:
        harness._KeepInputs.new_resource = original


@contextmanager
def careful_yaml() -> Iterator[None]:
    from meshplane.declaration import yamlpos

    walk = yamlpos._walk

    def never_plain(*args) -> bool:
        walk(*args)
        return False

    yamlpos._walk = never_plain
    try:
        yield
    finally:
        yamlpos._walk = walk


@contextmanager
def as_is() -> Iterator[None]:
    yield


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    from meshplane.mesh.model import Mesh
    from meshplane.plan.run import plan_stack

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    variants = {"all optimizations": as_is, "without the GC pause": no_gc_pause,
                "with stack traces": with_stack_traces, "inputs decoded again": decode_inputs_again}
    with tempfile.TemporaryDirectory(prefix="meshplane-ablation-") as tmp:
        stack = generate.write_repo(tmp, n, ["sales"])
        stacks = Path(tmp) / "stacks"
        plan_stack(stack, stacks)  # warm-up
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(3):
            for name, variant in variants.items():
                with variant():
                    times[name].append(timed(lambda: plan_stack(stack, stacks)))
        files = [str(p) for p in sorted((Path(tmp) / "products").rglob("*.yaml"))]
        loads = {"YAML fast path": [], "YAML careful path": []}
        for _ in range(5):
            loads["YAML fast path"].append(timed(lambda: Mesh.load(files)))
            with careful_yaml():
                loads["YAML careful path"].append(timed(lambda: Mesh.load(files)))
    base = statistics.median(times["all optimizations"])
    print(f"plan of a domain stack of {n} products (median of 3 interleaved rounds)")
    for name, values in times.items():
        print(f"  {name:<24} {statistics.median(values):6.2f} s  ({statistics.median(values) / base:.2f}x)")
    print(f"loading the mesh's {len(files)} declarations (median of 5)")
    for name, values in loads.items():
        print(f"  {name:<24} {statistics.median(values) * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
