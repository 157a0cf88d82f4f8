"""Parameter loading and validation: one broken file per rule."""

import pytest

from cba.exceptions import ParameterError
from cba.params import load_site, read_yaml, validate_file

from .conftest import COMMON, PARAMS, SITES

# (file, text that must appear in the message, key path named)
BROKEN = [
    (
        "bad_lanes_exceeded.yaml",
        "hour 08: 4 booths staffed but 3 lanes exist",
        "streams.trucks.booths_open.value[8]",
    ),
    (
        "bad_option_exceeds_lanes.yaml",
        "option sponsor_staffing, stream trucks, primary, hour 09: 6 booths staffed "
        "but 4 lanes exist",
        "options.sponsor_staffing.changes.trucks.extra_booths.value[9]",
    ),
    (
        "bad_window_exceeds_lanes.yaml",
        "option sponsor_staffing, stream trucks, primary, sat, hour 18: 5 booths "
        "staffed but 4 lanes exist",
        "options.sponsor_staffing.changes.trucks.windows[0].extra_booths.value[18]",
    ),
    (
        "bad_window_repeats_day.yaml",
        "a window names a day twice: sat, fri, sat; allowed: each of mon, tue",
        "options.sponsor_staffing.changes.trucks.windows[0]",
    ),
    (
        "bad_part_of_unknown.yaml",
        "unknown stream 'carz' (did you mean 'cars'?); allowed: another stream",
        "streams.cars_sentri.volume.part_of",
    ),
    (
        "bad_parts_take_all.yaml",
        "the streams carved out of cars (cars_sentri) may take 1 of its traffic",
        "streams.cars_sentri.volume.share",
    ),
    (
        "bad_state_inspection_no_bays.yaml",
        "0 state inspection bays, but trucks are inspected",
        "streams.trucks.state_inspection.positions.value",
    ),
    (
        "bad_unknown_key.yaml",
        "did you mean 'processing_minutes'",
        "streams.trucks.proccessing_minutes",
    ),
    ("bad_missing_key.yaml", "required key is missing", "streams.trucks.mode"),
    (
        "bad_missing_source.yaml",
        "required key is missing",
        "streams.trucks.processing_minutes.source",
    ),
    (
        "bad_unit.yaml",
        "not a known unit (did you mean 'minutes'?)",
        "streams.trucks.processing_minutes.unit",
    ),
    (
        "bad_wrong_type.yaml",
        "'two' is not a number",
        "streams.trucks.processing_minutes.value",
    ),
    (
        "bad_negative_volume.yaml",
        "value -730000 is out of range; allowed: >= 0",
        "streams.cars.volume.annual.value",
    ),
    (
        "bad_share_outside.yaml",
        "value 1.4 is out of range; allowed: >= 0 and <= 1",
        "streams.trucks.secondary_referral_share.value",
    ),
    (
        "bad_processing_time_zero.yaml",
        "value 0 is out of range; allowed: > 0",
        "streams.cars.processing_minutes.value",
    ),
    (
        "bad_value_outside_distribution.yaml",
        "outside its distribution's support",
        "streams.trucks.processing_minutes",
    ),
    (
        "bad_missing_dollar_year.yaml",
        "needs 'dollar_year'",
        "streams.trucks.cargo_value",
    ),
    ("bad_syntax.yaml", "invalid YAML at line 14", None),
    ("bad_duplicate_key.yaml", "duplicate key 'mode'", None),
    ("bad_not_mapping.yaml", "is a list, not a mapping", None),
    ("bad_empty.yaml", "not a mapping", None),
    ("bad_profile_length.yaml", "23 entries", "streams.trucks.arrival_profile.value"),
    ("bad_bad_slug.yaml", "must be a slug", "site.id"),
    (
        "bad_unknown_stream.yaml",
        "unknown stream 'truks' (did you mean 'trucks'?)",
        "options.sponsor_staffing.funding.tolled_streams[0]",
    ),
    (
        "bad_discount_rate.yaml",
        "value 7 is out of range; allowed: > -1 and < 1",
        "parameters.discount_rate_base.value",
    ),
    (
        "bad_nan_share.yaml",
        "value nan is not a finite number",
        "streams.trucks.secondary_referral_share.value",
    ),
    (
        "bad_inf_minutes.yaml",
        "value inf is not a finite number",
        "streams.trucks.processing_minutes.value",
    ),
    (
        "bad_huge_minutes.yaml",
        "value 5000 is out of range; allowed: > 0 and <= 1440",
        "streams.trucks.processing_minutes.value",
    ),
    ("bad_bool_horizon.yaml", "True is not a whole number", "site.horizon_years"),
    ("bad_control_character.yaml", "character U+202E", "site.name"),
    ("bad_slug_newline.yaml", "must be a slug", "site.id"),
    (
        "bad_no_booths.yaml",
        "no primary booth is open in any hour",
        "streams.trucks.booths_open.value",
    ),
    (
        "bad_no_secondary.yaml",
        "0 secondary booths, but vehicles are referred",
        "streams.trucks.secondary_booths.value",
    ),
    (
        "bad_dollar_year.yaml",
        "dollar_year 1950 is not in the price index cpi_u",
        "streams.trucks.cargo_value.dollar_year",
    ),
    (
        "bad_list_for_number.yaml",
        "value is a list of 2 numbers; allowed: a single number",
        "streams.trucks.secondary_booths.value",
    ),
    (
        "bad_unbounded_distribution.yaml",
        "the normal distribution has no lower bound",
        "streams.trucks.processing_minutes.distribution",
    ),
]

# Files that parse but cannot be appraised: refused by cba validate and cba run
# (cba.batch.load_checked_site), with the same one-line message.
UNFEASIBLE = [
    (
        "bad_window_closes_a_day.yaml",
        "the option closes every booth of this stream in every hour on sat",
        "options.sponsor_staffing.changes.trucks.windows[0].extra_booths",
    ),
    (
        "bad_state_inspection_cannot_clear.yaml",
        "the state safety inspection cannot clear its day: 100 trucks a day are "
        "inspected, but 1 bays at 45 minutes inspect at most 32",
        "streams.trucks.state_inspection.positions",
    ),
    (
        "bad_cannot_clear.yaml",
        "the status quo cannot clear its day: 100,000 vehicles arrive",
        "streams.trucks.booths_open",
    ),
    (
        "bad_ysleta_alone.yaml",
        "is reported separately only from 2020-03",
        "streams.trucks.volume.port_code",
    ),
    (
        "bad_unknown_port.yaml",
        "port '9999' is not in the shipped BTS data",
        "streams.trucks.volume.port_code",
    ),
]


@pytest.mark.parametrize("name, text, key", BROKEN, ids=[b[0] for b in BROKEN])
def test_each_rule_gives_one_clear_message(name, text, key):
    path = PARAMS / name
    with pytest.raises(ParameterError) as info:
        validate_file(path, COMMON)
    msg = str(info.value)
    assert msg.startswith(str(path)), msg
    assert text in msg, msg
    assert "\n" not in msg
    if key is not None:
        assert info.value.key_path == key, msg
        assert key in msg


@pytest.mark.parametrize("name, text, key", UNFEASIBLE, ids=[b[0] for b in UNFEASIBLE])
def test_what_cannot_be_appraised_is_refused_on_load(name, text, key):
    from cba.batch import load_checked_site

    path = PARAMS / name
    validate_file(path, COMMON)  # the file itself is well-formed
    with pytest.raises(ParameterError) as info:
        load_checked_site(path)
    msg = str(info.value)
    assert msg.startswith(str(path)) and text in msg and "\n" not in msg, msg
    assert info.value.key_path == key, msg


def test_every_fixture_rule_is_exercised():
    files = {p.name for p in PARAMS.glob("bad_*.yaml")}
    assert files == {b[0] for b in BROKEN} | {b[0] for b in UNFEASIBLE}


def test_good_site_loads(good_site):
    assert good_site.id == "good_site"
    assert set(good_site.file.options) == {
        "status_quo",
        "sponsor_staffing",
        "donated_lanes",
    }
    assert good_site.param("discount_rate_base").value == 0.07


def test_dates_stay_as_written(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text("a: 2025-01-15\n")
    assert read_yaml(f) == {"a": "2025-01-15"}


def test_missing_file():
    with pytest.raises(ParameterError, match="file not found"):
        load_site(PARAMS / "nope.yaml", COMMON)


def test_site_override_must_say_why(tmp_path):
    text = (PARAMS / "good_site.yaml").read_text()
    text = text.replace(
        "streams:\n",
        "parameters:\n  days_per_year:\n    description: d\n    value: 300\n"
        "    unit: days/year\n    source: {assumption: a, rationale: r, owner: o}\n"
        "streams:\n",
        1,
    )
    f = tmp_path / "override.yaml"
    f.write_text(text)
    with pytest.raises(ParameterError, match="without saying why"):
        load_site(f, COMMON)


@pytest.mark.parametrize("path", sorted(SITES.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_sites_load(path):
    site = load_site(path)
    assert site.id == path.stem
    kinds = {o.kind for o in site.file.options.values()}
    assert "status_quo" in kinds and "sponsor_staffing" in kinds
    assert len(site.file.options) >= 3
    assert any(s.mode in ("truck", "air_cargo") for s in site.file.streams.values())


def test_eight_sites_shipped():
    assert {p.stem for p in SITES.glob("*.yaml")} == {
        "pharr_reynosa",
        "laredo_world_trade_bridge",
        "colombia_solidarity",
        "brownsville_veterans",
        "nogales_mariposa",
        "santa_teresa",
        "el_paso_ysleta_zaragoza",
        "laredo_airport",
    }
