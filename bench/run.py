"""meshplane's benchmark: ``python bench/run.py [--quick]``; see docs/performance.md.

Prints a table for humans and, as the last line, one JSON object with the figures. Run it with the
interpreter meshplane is installed in; from a plain ``python`` it re-runs itself with the
repository's ``.venv`` (the README's install) when meshplane is not importable.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOMAINS = ["sales", "marketing", "finance", "logistics", "support"]
TARGETS = {"overhead_ratio": 1.25, "growth": (3.2, 4.8), "peak_rss_mb": 1536, "help_cold_s": 0.5,
           "validate_one_cold_s": 1.0, "validate_per_s": 300}


def _ensure_meshplane() -> None:
    try:
        import meshplane  # noqa: F401
    except ImportError:
        venv = HERE.parent / ".venv"
        if (venv / "bin" / "python").exists() and Path(sys.prefix).resolve() != venv.resolve():
            os.execv(str(venv / "bin" / "python"), [str(venv / "bin" / "python"), *sys.argv])
        raise SystemExit("meshplane is not installed: follow the README's install first") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 10 and 50 only (under a minute)")
    parser.add_argument("--sizes", help="comma-separated N (default 10,50,200)")
    parser.add_argument("--rounds", type=int, help="interleaved plan/replay rounds per N (default 3, quick 2)")
    parser.add_argument("--validate-files", type=int, default=1000)
    parser.add_argument("--typed", action=argparse.BooleanOptionalAction, default=None,
                        help="also time the typed replay, a diagnostic (default: not with --quick)")
    args = parser.parse_args()
    _ensure_meshplane()
    sys.path.insert(0, str(HERE))
    import measure

    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else [10, 50] if args.quick else [10, 50, 200]
    rounds = args.rounds or (2 if args.quick else 3)
    started = time.perf_counter()
    plans = {}
    for n in sizes:
        typed = not args.quick if args.typed is None else args.typed
        plans[n] = measure.measure_plan(n, rounds, [DOMAINS[0]], typed)  # a domain stack of n products
        print(f"  planned N={n}: {plans[n]['registrations']} registrations", file=sys.stderr)
    validation = measure.measure_validate(args.validate_files, DOMAINS)
    cold = measure.measure_cold()
    result = summarise(plans, validation, cold)
    print_table(result, plans, validation, cold, rounds)
    print(f"({measure.cpu_count()} cores, {time.perf_counter() - started:.0f} s in all)")
    print(json.dumps(result, sort_keys=True))


def summarise(plans: dict, validation: dict, cold: dict) -> dict:
    plan_s = {str(n): round(statistics.median(p["plan_s"]), 3) for n, p in plans.items()}
    replay_s = {str(n): round(statistics.median(p["replay_s"]), 3) for n, p in plans.items()}
    typed_s = {str(n): round(statistics.median(p["typed_replay_s"]), 3) for n, p in plans.items()
               if p["typed_replay_s"]}
    largest = plans[max(plans)]["shape"]
    return {
        "resources_per_product": largest["resources_per_product"],
        "critical_path": largest["critical_path_max"],
        "plan_s": plan_s, "replay_s": replay_s,
        "overhead_ratio": {n: round(plan_s[n] / replay_s[n], 3) for n in plan_s},
        "typed_replay_s": typed_s,
        "peak_rss_mb": {str(n): round(p["peak_rss_mb"], 1) for n, p in plans.items()},
        "validate_per_s": round(validation["validate_per_s"], 1),
        "help_cold_s": round(cold["help_cold_s"], 3),
        "validate_one_cold_s": round(cold["validate_one_cold_s"], 3),
    }


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_table(result: dict, plans: dict, validation: dict, cold: dict, rounds: int) -> None:
    print(f"\nPlan of a domain stack of N products (median of {rounds} interleaved rounds after a warm-up)")
    print(f"{'N':>5} {'resources':>10} {'plan s':>8} {'replay s':>9} {'overhead':>9} {'typed s':>8} "
          f"{'typed/replay':>13} {'plan/typed':>11} {'peak RSS MB':>12}")
    for n, p in plans.items():
        k = str(n)
        plan, bare, typed = result["plan_s"][k], result["replay_s"][k], result["typed_replay_s"].get(k)
        typed_cols = (f"{typed:>8.2f} {typed / bare:>13.2f} {plan / typed:>11.2f}" if typed
                      else f"{'-':>8} {'-':>13} {'-':>11}")
        print(f"{n:>5} {p['registrations']:>10} {plan:>8.2f} {bare:>9.2f} {result['overhead_ratio'][k]:>9.2f} "
              f"{typed_cols} {result['peak_rss_mb'][k]:>12.0f}")
    print("  replay: the plan's resources registered as pulumi.CustomResource/ComponentResource (the SDK's limit);")
    print("  typed: the same through their pulumi_gcp classes (a diagnostic: the provider SDK's share)")
    sizes = sorted(plans)
    largest = str(sizes[-1])
    print("\nTargets")
    ratio = result["overhead_ratio"][largest]
    print(f"  overhead ratio at N={largest}: {ratio:.2f} (<= {TARGETS['overhead_ratio']}) "
          f"{_verdict(ratio <= TARGETS['overhead_ratio'])}")
    if 50 in plans and 200 in plans:
        growth = result["plan_s"]["200"] / result["plan_s"]["50"]
        low, high = TARGETS["growth"]
        print(f"  plan time 200/50: {growth:.2f} (linear: {low}-{high}) {_verdict(low <= growth <= high)}")
    rss = result["peak_rss_mb"][largest]
    print(f"  peak RSS at N={largest}: {rss:.0f} MB (<= {TARGETS['peak_rss_mb']}) "
          f"{_verdict(rss <= TARGETS['peak_rss_mb'])}")
    for key, label in (("help_cold_s", "meshplane --help"), ("validate_one_cold_s", "meshplane validate <one file>")):
        print(f"  {label}: {result[key]:.3f} s cold (<= {TARGETS[key]}) {_verdict(result[key] <= TARGETS[key])}")
    print(f"  heavy imports of validate: {cold['validate_imports']} (none expected)")
    per_s = result["validate_per_s"]
    print(f"  validate: {validation['files']} declarations in {validation['validate_s']:.2f} s = "
          f"{per_s:.0f}/s (>= {TARGETS['validate_per_s']}) {_verdict(per_s >= TARGETS['validate_per_s'])}")
    shape = plans[sizes[-1]]["shape"]
    print(f"\nDeploy shape (N={largest}): {shape['resources_per_product']} cloud resources per product "
          f"(max {shape['resources_per_product_max']}), {shape['components_per_product']} components; "
          f"longest dependency chain {shape['critical_path']} (max {shape['critical_path_max']}):")
    print("  " + " -> ".join(shape["example_chain"]))


if __name__ == "__main__":
    main()
