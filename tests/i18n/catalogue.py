"""The Slovene catalogues (locale/sl) as the tests read them: our msgids and their translations."""

import re
from functools import cache
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "sl" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")

# A placeholder a translation must keep: %(name)s, %s, %d, %02d, {name}; "%%" is a literal percent.
PLACEHOLDER = re.compile(r"%%|%\([a-z_]+\)[-0-9.]*[sdfr]|%[-0-9.]*[sdfr]|\{[a-z_]*\}")


def po(domain: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / f"{domain}.po"))


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


@cache
def slovene() -> dict[str, str]:
    """Every msgid of ours (both domains) and its Slovene text; templates' "%%" read as "%"."""
    entries = {}
    for domain in DOMAINS:
        for entry in po(domain):
            if entry.obsolete or entry.msgid_plural:
                continue
            entries[entry.msgid.replace("%%", "%")] = entry.msgstr.replace("%%", "%")
    return entries
