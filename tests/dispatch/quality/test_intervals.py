"""The interval arithmetic by hand: minutes to one decimal, median, nearest-rank p90, empty never 0."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dispatch.quality import intervals

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def D(value: str) -> Decimal:
    return Decimal(value)


def test_minutes_are_rounded_half_up_to_one_decimal():
    assert intervals.minutes_between(T0, T0 + timedelta(minutes=12, seconds=3)) == D("12.1")  # 12.05 → 12.1
    assert intervals.minutes_between(T0, T0 + timedelta(minutes=12, seconds=2)) == D("12.0")  # 12.033 → 12.0
    assert intervals.minutes_between(T0, T0 + timedelta(hours=3, seconds=30)) == D("180.5")


def test_a_phase_never_reached_is_empty_not_zero():
    row = {"requested_at": T0, "decided_at": T0 + timedelta(minutes=20), "team_activated_at": None}

    minutes = intervals.mission_minutes(row)

    assert minutes["referral_to_decision"] == D("20.0")
    assert minutes["decision_to_team_ready"] is None
    assert minutes["referral_to_flow"] is None
    assert minutes["activation_to_flow"] is None


def test_every_interval_reads_its_own_two_phases():
    times = {
        "requested_at": 0,
        "decided_at": 15,
        "team_activated_at": 15,
        "team_ready_at": 40,
        "departed_at": 50,
        "on_site_at": 110,
        "flow_established_at": 170,
        "departed_with_patient_at": 215,
        "arrived_at": 290,
    }
    row = {field: T0 + timedelta(minutes=m) for field, m in times.items()}

    assert {k: float(v) for k, v in intervals.mission_minutes(row).items()} == {
        "referral_to_decision": 15.0,
        "decision_to_team_ready": 25.0,
        "team_ready_to_departure": 10.0,
        "departure_to_bedside": 60.0,
        "bedside_to_flow": 60.0,
        "flow_to_departure_with_patient": 45.0,
        "departure_with_patient_to_arrival": 75.0,
        "referral_to_flow": 170.0,
        "activation_to_flow": 155.0,
    }


def test_median_of_an_odd_and_an_even_count():
    assert intervals.median([D("40"), D("10"), D("20.5")]) == D("20.5")
    assert intervals.median([D("10"), D("20.5"), D("40"), D("11")]) == D("15.8")  # (11 + 20.5) / 2 = 15.75
    assert intervals.median([]) is None


def test_p90_is_the_nearest_rank():
    ten = [D(str(v)) for v in range(1, 11)]
    assert intervals.p90(ten) == D("9")  # ⌈0.9·10⌉ = 9th
    assert intervals.p90(ten + [D("11")]) == D("10")  # ⌈9.9⌉ = 10th of 11
    assert intervals.p90([D("7")]) == D("7")
    assert intervals.p90([D("3"), D("1"), D("2")]) == D("3")  # ⌈2.7⌉ = 3rd
    assert intervals.p90([]) is None


def test_summary_counts_only_reached_phases():
    assert intervals.summary([D("30"), None, D("10"), None, D("20")]) == {"n": 3, "median": 20.0, "p90": 30.0}
    assert intervals.summary([None, None]) == {"n": 0, "median": None, "p90": None}


def test_summaries_by_group_put_the_empty_group_last():
    rows = [{"mode": "road"}, {"mode": ""}, {"mode": "helicopter"}, {"mode": "road"}]
    minutes = [
        {key: D("10") for key in intervals.INTERVAL_KEYS},
        {key: None for key in intervals.INTERVAL_KEYS},
        {key: D("30") for key in intervals.INTERVAL_KEYS},
        {key: D("20") for key in intervals.INTERVAL_KEYS},
    ]

    groups = intervals.summarise_by(rows, minutes, lambda row: row["mode"])

    assert [(g["group"], g["n"]) for g in groups] == [("helicopter", 1), ("road", 2), (None, 1)]
    assert groups[1]["intervals"]["referral_to_flow"] == {"n": 2, "median": 15.0, "p90": 20.0}
    assert groups[2]["intervals"]["referral_to_flow"] == {"n": 0, "median": None, "p90": None}


def test_the_month_is_the_centres_calendar_month():
    late_on_31_january_utc = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 February in Ljubljana

    assert intervals.month_of(late_on_31_january_utc, ZoneInfo("Europe/Ljubljana")) == "2026-02"
    assert intervals.month_of(late_on_31_january_utc, ZoneInfo("UTC")) == "2026-01"
