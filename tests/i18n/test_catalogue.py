"""The Slovene catalogue is complete, sound and compiled: what the service reads on a fresh machine."""

import gettext

import pytest

import config.settings
from tests.i18n.catalogue import DOMAINS, LOCALE, placeholders, po


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_msgid_has_a_slovene_translation(domain):
    """Nothing of ours falls back to English: no empty, no fuzzy (guessed) translation."""
    catalogue = po(domain)
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert (untranslated, fuzzy) == ([], [])
    for entry in catalogue:
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == 4 and all(entry.msgstr_plural.values()), entry.msgid  # sl: 4 forms


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_every_placeholder(domain):
    """A lost or misspelt %(code)s would make the text fail (a 500, or an SMS never sent)."""
    broken = []
    for entry in po(domain):
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        broken += [(msgid, text) for msgid, text in pairs if placeholders(msgid) != placeholders(text)]
    assert broken == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_committed_mo_is_compiled_from_the_po(domain):
    """The .mo (what Django reads; committed, so no server needs gettext) says what the .po says.

    After editing a .po: `python manage.py compilemessages -l sl --ignore=.venv`.
    """
    catalogue = po(domain)
    with open(LOCALE / f"{domain}.mo", "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)._catalog
    expected = {}
    for entry in catalogue.translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            expected |= {(key, int(n)): text for n, text in entry.msgstr_plural.items()}
        else:
            expected[key] = entry.msgstr
    assert {k: v for k, v in mo.items() if k != ""} == expected


def test_slovene_is_the_services_language():
    """Users, SMS to unknown numbers and a browser that asks for nothing get Slovene (the suite
    itself reads English: tests/conftest.py)."""
    assert config.settings.LANGUAGE_CODE == "sl"
    assert [code for code, _name in config.settings.LANGUAGES] == ["sl", "en"]
