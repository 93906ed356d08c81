"""Travel parameters are read once, in settings, from TRAVEL_* variables; the matrix builds the model from them.

`_settings_from` runs config/settings.py afresh against a controlled environment, so these tests
check what a deployment gets from its variables without touching the running settings.
"""

import os
import runpy
from dataclasses import fields
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import config
from hospitals import matrix
from hospitals.travel import TravelParams

SETTINGS_FILE = Path(config.__file__).resolve().parent / "settings.py"


def _settings_from(monkeypatch, **variables: str) -> dict:
    for name in list(os.environ):
        if name.startswith(("TRAVEL_", "OSRM_")):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.mark.django_db
def test_params_from_settings_reads_overrides_and_keeps_defaults(monkeypatch, settings):
    loaded = _settings_from(monkeypatch, TRAVEL_ROAD_SPEED_KMH="70", TRAVEL_NIGHT_FLIGHTS_ALLOWED="true")
    settings.TRAVEL_PARAMS = loaded["TRAVEL_PARAMS"]

    params = matrix.travel_params()

    assert params.road_speed_kmh == 70.0
    assert params.night_flights_allowed is True
    assert params.heli_cruise_kmh == TravelParams().heli_cruise_kmh
    assert matrix.Model.current().params == params


def test_params_from_settings_rejects_invalid_values(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="TRAVEL_HELI_CRUISE_KMH"):
        _settings_from(monkeypatch, TRAVEL_HELI_CRUISE_KMH="fast")


def test_params_the_model_rejects_are_a_configuration_error(settings):
    settings.TRAVEL_PARAMS = {**settings.TRAVEL_PARAMS, "road_speed_kmh": 0.0}

    with pytest.raises(ImproperlyConfigured, match="road_speed_kmh"):
        matrix.travel_params()


def test_every_travel_param_has_a_setting_name(monkeypatch):
    defaults = TravelParams()
    numbers = {f.name: 0.5 for f in fields(TravelParams) if not isinstance(getattr(defaults, f.name), bool)}
    variables = {f"TRAVEL_{name.upper()}": str(value) for name, value in numbers.items()}

    loaded = _settings_from(monkeypatch, TRAVEL_NIGHT_FLIGHTS_ALLOWED="true", **variables)

    assert set(loaded["TRAVEL_PARAMS"]) == {f.name for f in fields(TravelParams)}
    assert loaded["TRAVEL_PARAMS"] == {**numbers, "night_flights_allowed": True}


def test_documented_defaults_equal_the_model_defaults(monkeypatch):
    loaded = _settings_from(monkeypatch)

    assert TravelParams(**loaded["TRAVEL_PARAMS"]) == TravelParams()
    assert (loaded["OSRM_URL"], loaded["OSRM_TIMEOUT_S"]) == ("", 2.0)


@pytest.mark.django_db
def test_osrm_url_from_settings_empty_means_off(settings):
    settings.OSRM_URL = ""

    assert matrix.Model.current().osrm_url is None


def test_osrm_url_loses_its_trailing_slash(monkeypatch):
    assert _settings_from(monkeypatch, OSRM_URL=" http://osrm:5000/ ")["OSRM_URL"] == "http://osrm:5000"


def test_osrm_timeout_must_be_positive(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="OSRM_TIMEOUT_S"):
        _settings_from(monkeypatch, OSRM_TIMEOUT_S="0")
