"""The page's language: Slovene by default, English when the browser asks, and the top bar's switch."""

import json
import re

import pytest
from django.test import Client
from django.utils import formats, timezone, translation

import config.settings
from config.django_words import MISSING_IN_DJANGOS_SLOVENE
from dispatch.models import Profile
from tests.i18n.catalogue import po
from tests.support import factories


@pytest.fixture
def service_default(settings):
    """The service's own default language (the suite otherwise reads English: tests/conftest.py)."""
    settings.LANGUAGE_CODE = config.settings.LANGUAGE_CODE


def heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode()).group(1)


def html_lang(response) -> str:
    return re.search(r'<html lang="([a-z-]*)"', response.content.decode()).group(1)


@pytest.mark.django_db
def test_a_browser_that_asks_for_nothing_gets_slovene(service_default):
    response = Client().get("/login/")
    assert (html_lang(response), heading(response)) == ("sl", "Prijava")


@pytest.mark.django_db
def test_a_browser_that_asks_for_english_gets_english(service_default):
    response = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert (html_lang(response), heading(response)) == ("en", "Log in")


@pytest.mark.django_db
def test_the_switch_is_a_plain_form_offering_the_other_language(service_default):
    """POST with CSRF, no script (the CSP forbids inline script): one button, the other language."""
    page = Client(enforce_csrf_checks=True).get("/login/").content.decode()
    form = re.search(r'<form method="post" action="/i18n/setlang/"[^>]*>(.*?)</form>', page).group(1)
    assert 'name="csrfmiddlewaretoken"' in form and 'name="next" value="/login/"' in form
    assert re.findall(r'<button[^>]*name="language" value="([a-z]+)"[^>]*>([^<]*)<', form) == [("en", "English")]


@pytest.mark.django_db
def test_switching_to_english_keeps_the_choice_and_returns_to_the_page(service_default):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/?next=/board/"})
    assert response.status_code == 302 and response["Location"] == "/login/?next=/board/"
    assert response.cookies["django_language"].value == "en"
    assert response.cookies["django_language"]["max-age"] >= 30 * 24 * 3600  # not lost with the browser
    assert heading(client.get("/login/")) == "Log in"
    client.post("/i18n/setlang/", {"language": "sl", "next": "/login/"})
    assert heading(client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")) == "Prijava"  # the choice beats the browser


@pytest.mark.django_db
def test_the_switch_also_sets_the_persons_own_language_for_sms_and_calls(service_default):
    member = factories.make_team_member(language="sl")
    client = Client()
    client.force_login(member)
    client.post("/i18n/setlang/", {"language": "en", "next": "/team/"})
    assert Profile.objects.get(user=member).language == "en"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/team/"})  # not a language we speak
    assert Profile.objects.get(user=member).language == "en"


@pytest.mark.django_db
def test_the_switch_takes_no_get(service_default):
    assert Client().get("/i18n/setlang/?language=en").status_code == 405


def test_dates_and_numbers_follow_the_language():
    """Slovene: 2. 12. 2026 14:05 (as the live pages write it) and 1.234,5;
    English at the centre: 02/12/2026 14:05 (24-hour clock)."""
    moment = timezone.make_aware(timezone.datetime(2026, 12, 2, 14, 5))
    with translation.override("sl"):
        assert formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") == "2. 12. 2026 14:05"
        assert formats.number_format(1234.5, 1, force_grouping=True) == "1.234,5"
    with translation.override("en"):
        assert formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") == "02/12/2026 14:05"
        assert formats.time_format(timezone.localtime(moment)) == "14:05"
        assert formats.number_format(1234.5, 1, force_grouping=True) == "1,234.5"


@pytest.mark.django_db
def test_the_javascript_catalogue_serves_our_script_strings_in_slovene(service_default):
    """The page scripts' gettext("…") (locale/sl/…/djangojs.po) reach the browser through /jsi18n/."""
    ours = [e for e in po("djangojs").translated_entries() if not e.msgid_plural and e.msgstr != e.msgid]
    assert ours, "djangojs.po has no translation to serve"
    script = Client().get("/jsi18n/").content.decode()
    missing = [e.msgid for e in ours if json.dumps(e.msgid) + ": " + json.dumps(e.msgstr) not in script]
    assert missing == []


@pytest.mark.django_db
def test_the_admin_names_our_apps_and_models_in_slovene(service_default, django_user_model):
    staff = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-tests-123")
    client = Client()
    client.force_login(staff)
    page = client.get("/admin/").content.decode()
    for slovene in ("Pozivanje ekipe", "Intervencije", "Neželeni dogodki", "Izmene", "Bolnišnice"):
        assert slovene in page
    for english in ("Team alerting", "Missions", "Adverse events", "Shifts", "Hospitals"):
        assert english not in page


@pytest.mark.parametrize("words", MISSING_IN_DJANGOS_SLOVENE)
def test_djangos_own_words_on_our_forms_are_slovene_too(words):
    with translation.override("sl"):
        assert translation.gettext(words) != words


@pytest.mark.django_db
def test_the_swap_form_offers_its_choices_in_slovene(service_default):
    client = Client()
    client.force_login(factories.make_team_member(language="sl"))

    page = client.get("/roster/me/").content.decode()

    assert "Select an option" not in page
