"""`python -m bench [name ...]`: run the benchmarks on the real stack and print a table."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import platform
import sys

from bench import stack

BENCHMARKS = ["alerts", "board", "api", "travel"]
# Run order: api first, because its seed expects an empty database (missions cannot be deleted:
# the timeline is append-only); the table is still printed in the order.
RUN_ORDER = ["api", "alerts", "board", "travel"]


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
    parser.add_argument("names", nargs="*", default=[], choices=BENCHMARKS + [[]], help="default: all")
    parser.add_argument("--quick", action="store_true", help="fewer iterations, for a smoke run")
    args = parser.parse_args(argv)

    # The web port is fixed first so the stack can be told its own address (PUBLIC_BASE_URL:
    # the fake Twilio calls the app back there).
    port = stack.free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = stack.bench_env(PUBLIC_BASE_URL=base_url)
    names = sorted(dict.fromkeys(args.names or BENCHMARKS), key=RUN_ORDER.index)
    modules = {name: importlib.import_module(f"bench.{name}_bench") for name in names}

    rows_by_name: dict[str, list[tuple[str, str, str, str]]] = {}
    with contextlib.ExitStack() as fixtures:
        # A module's optional `prepare()` context starts what must exist before the stack (a fake
        # provider) and yields the env it needs in the Daphne and Celery processes.
        for module in modules.values():
            prepare = getattr(module, "prepare", None)
            if prepare is not None:
                env.update(fixtures.enter_context(prepare()))
        stack.recreate_database()
        stack.manage("migrate", "--noinput", "-v0", env=env)
        stack.setup_django(env)
        with stack.daphne(env, port=port), stack.celery_worker(env):
            for name, module in modules.items():
                rows_by_name[name] = module.measure(base_url, quick=args.quick)
    rows = [row for name in BENCHMARKS for row in rows_by_name.get(name, [])]

    print()
    print(f"Machine: {machine()}")
    # Other work on the machine skews every figure: say how busy it was.
    print("Load average (1/5/15 min) at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"{'benchmark':<{width}}  {'figure':<40}  {'target':<18}  verdict")
    for name, figure, target, verdict in rows:
        print(f"{name:<{width}}  {figure:<40}  {target:<18}  {verdict}")
    return 0 if all(r[3] != "FAIL" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
