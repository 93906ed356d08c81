"""Row builder for benchmark 2 (API): the snapshot ÷ the framework's ceiling, per ASGI server."""

from collections import Counter

from bench import api_load

RATIO_TARGET = 0.8
P99_TARGET_MS = 30.0
# The production server (scripts/serve.py): its figures carry the targets; the others are beside it.
DEFAULT_SERVER = "daphne"


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def measure(base_url: str, *, quick: bool = False) -> list[tuple[str, str, str, str]]:
    results = api_load.run(
        base_url, duration=5 if quick else 15, throughput_s=2 if quick else 5, rounds=1 if quick else 2
    )
    cpu = results.pop("cpu")
    me_ms, snap_ms = cpu[api_load.CEILING], cpu[api_load.SNAPSHOT]
    rows: list[tuple[str, str, str, str]] = [(
        "api: CPU per request, in process",
        f"{me_ms / snap_ms:.2f}  (snapshot {snap_ms:.2f} ms, /me/ {me_ms:.2f} ms)",
        f"≥ {RATIO_TARGET}",
        _verdict(me_ms / snap_ms >= RATIO_TARGET),
    )]
    for name, result in results.items():
        ceiling, snap, quiet, load = result["ceiling"], result["snapshot"], result["quiet"], result["load"]
        ratio = snap["rate"] / ceiling["rate"] if ceiling["rate"] else 0.0
        errors = ceiling["errors"] + snap["errors"] + quiet["errors"] + load["errors"]
        if errors:
            print(f"api errors ({name}):", dict(Counter(errors).most_common(5)))
        headline = name == DEFAULT_SERVER
        rows.append((
            f"api[{name}]: snapshot ÷ ceiling throughput",
            f"{ratio:.2f}  ({snap['rate']:.0f} / {ceiling['rate']:.0f} req/s /me/)",
            f"≥ {RATIO_TARGET}",
            _verdict(ratio >= RATIO_TARGET) if headline else "info",
        ))
        s = quiet["snapshot"]
        rows.append((
            f"api[{name}]: snapshot p99 at ½ ceiling, open",
            f"p50 {s['p50']:.1f} ms  p99 {s['p99']:.1f} ms  at {quiet['offered_rate']:.0f} req/s  n={s['n']}",
            f"p99 < {P99_TARGET_MS:.0f} ms",
            _verdict(s["p99"] < P99_TARGET_MS) if headline else "info",
        ))
        s = load["snapshot"]
        rows.append((
            f"api[{name}]:  … with 10 transitions/s",
            f"p50 {s['p50']:.1f} ms  p99 {s['p99']:.1f} ms  at {load['offered_rate']:.0f} req/s  n={s['n']}",
            "none set",
            "info",
        ))
        trans = load["transitions"]
        rows.append((
            f"api[{name}]: transitions under load",
            f"p50 {trans['p50']:.1f} ms  p99 {trans['p99']:.1f} ms  "
            f"{load['transitions_ok']}/{load['transitions_expected']}  errors={len(errors)}",
            "events exactly once",
            "ok" if load["events_exactly_once"] and load["transitions_ok"] == load["transitions_expected"]
            and not errors else "FAIL",
        ))
    return rows
