"""`python -m bench [name ...]`: run the benchmarks on the real stack and print a table."""

from __future__ import annotations

import argparse
import os
import platform
import sys

from bench import stack

BENCHMARKS = ["alerts", "board", "api", "travel"]


def machine() -> str:
    cpus = os.cpu_count()
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{platform.node()} · {cpus} cores · {model} · Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", default=BENCHMARKS, choices=BENCHMARKS + [[]])
    parser.add_argument("--quick", action="store_true", help="fewer iterations, for a smoke run")
    args = parser.parse_args(argv)

    env = stack.bench_env()
    stack.recreate_database()
    stack.manage("migrate", "--noinput", "-v0", env=env)
    stack.setup_django(env)

    rows: list[tuple[str, str, str, str]] = []
    with stack.daphne(env) as base_url, stack.celery_worker(env):
        for name in args.names:
            module = __import__(f"bench.{name}_bench", fromlist=["measure"])
            rows.extend(module.measure(base_url, quick=args.quick))

    print()
    print(f"Machine: {machine()}")
    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"{'benchmark':<{width}}  {'figure':<40}  {'target':<18}  verdict")
    for name, figure, target, verdict in rows:
        print(f"{name:<{width}}  {figure:<40}  {target:<18}  {verdict}")
    return 0 if all(r[3] != "FAIL" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
