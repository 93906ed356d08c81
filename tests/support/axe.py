"""axe-core accessibility checks through Playwright (axe is vendored for the tests only, never served).

The page's CSP forbids inline scripts, so axe goes in through the DevTools protocol (`evaluate`),
which the page's policy does not govern.
"""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def violations(page, impacts: frozenset[str] = BLOCKING_IMPACTS) -> list[dict]:
    """The page's axe violations of the given impacts, each with the offending elements' selectors."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def describe(found: list[dict]) -> str:
    """One readable line per violation and element, for an assertion message."""
    lines = []
    for v in found:
        for node in v["nodes"]:
            lines.append(f"{v['impact']} {v['id']} ({v['help']}): {node['target']} — {node['summary']}")
    return "\n".join(lines)
