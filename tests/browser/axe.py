"""Accessibility checks with axe-core, injected from node_modules."""

from __future__ import annotations

import functools
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
BLOCKING = {"serious", "critical"}


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(page, exclude: list[str] | None = None,
                      tags: list[str] | None = None) -> None:
    """Fail on any serious or critical axe-core violation on the page as it is now.
    `exclude` lists CSS selectors to leave out (a third-party widget, say); `tags` runs
    only the rules with those tags (e.g. `WCAG_22_AA`)."""
    # Evaluated over the DevTools protocol, which the page's content security policy (no
    # inline scripts) does not govern; a <script> tag would be refused.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    context = {"exclude": [[s] for s in exclude]} if exclude else {"include": [["html"]]}
    options = {"runOnly": {"type": "tag", "values": tags}} if tags else {}
    result = page.evaluate("([context, options]) => axe.run(context, options)",
                           [context, options])
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                    for n in v["nodes"][:5])
        for v in result["violations"] if v["impact"] in BLOCKING
    ]
    assert not problems, f"accessibility problems on {page.url}:\n" + "\n".join(problems)
