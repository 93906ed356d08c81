"""Row builder for benchmark 3 (API load)."""

from bench import api_load


def measure(base_url: str, *, quick: bool = False) -> list[tuple[str, str, str, str]]:
    result = api_load.run(base_url, duration=5 if quick else 20)
    snap = result["snapshot"]
    trans = result["transitions"]
    errors = len(result["errors"])
    if errors:
        from collections import Counter

        print("api errors:", dict(Counter(result["errors"]).most_common(5)))
    return [
        (
            "api: snapshot GET /missions/?active=1",
            f"p50 {snap['p50']:.1f} ms  p99 {snap['p99']:.1f} ms  n={snap['n']}",
            "p99 < 30 ms",
            "ok" if snap["p99"] < 30 else "MISS",
        ),
        (
            "api: offered / achieved rate",
            f"{result['offered_rate']:.0f} / {result['achieved_rate']:.0f} req/s  errors={errors}",
            "300 req/s, 0 errors",
            "ok" if errors == 0 else "FAIL",
        ),
        (
            "api: transitions under load",
            f"p50 {trans['p50']:.1f} ms  p99 {trans['p99']:.1f} ms  "
            f"{result['transitions_ok']}/{result['transitions_expected']}",
            "events exactly once",
            "ok" if result["events_exactly_once"] and result["transitions_ok"] == result["transitions_expected"]
            else "FAIL",
        ),
    ]
