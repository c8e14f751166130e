from decimal import Decimal

import pytest

from ingest_api.exceptions import InvalidRequest, Problem
from ingest_api.validation import field_path, parse, parse_json, require_match
from roamstream.ocpi.tariff import Tariff


def test_json_numbers_with_a_fraction_are_exact_decimals():
    data = parse_json(b'{"a": 0.1, "b": 12345678901234.1234, "c": 3}')
    assert data == {"a": Decimal("0.1"), "b": Decimal("12345678901234.1234"), "c": 3}
    assert isinstance(data["c"], int)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "body: missing; expected a JSON document"),
        (
            b'{"a": 1,}',
            "body: invalid JSON: Expecting property name enclosed in double quotes (line 1, column 9)",
        ),
        (b'{"a": NaN}', "body: invalid JSON: NaN is not a JSON number"),
        (b"\xff\xfe{", "body: invalid JSON: not UTF-8 text"),
    ],
)
def test_unreadable_bodies_are_named(raw, message):
    with pytest.raises(InvalidRequest) as err:
        parse_json(raw)
    assert str(err.value) == message


def test_field_paths_read_like_the_json():
    assert (
        field_path(("elements", 0, "price_components", 1, "step_size"))
        == "elements[0].price_components[1].step_size"
    )
    assert field_path((2, "timestamp")) == "[2].timestamp"
    assert field_path(()) == "body"


def test_a_nested_problem_is_named_by_its_path_and_carries_the_key():
    raw = b"""{"country_code": "DE", "party_id": "ALL", "id": "12", "currency": "EUR",
        "elements": [{"price_components": [{"type": "TIME", "price": 2, "step_size": "five"}]}],
        "last_updated": "2026-06-29T20:39:09Z"}"""
    with pytest.raises(InvalidRequest) as err:
        parse(Tariff, raw, key="DE-ALL-12")
    assert [p.field for p in err.value.problems] == ["elements[0].price_components[0].step_size"]
    assert err.value.key == "DE-ALL-12"


def test_every_problem_is_reported():
    with pytest.raises(InvalidRequest) as err:
        parse(Tariff, b'{"country_code": "DE", "party_id": "ALL", "id": "12", "elements": []}')
    fields = {p.field for p in err.value.problems}
    assert fields == {"currency", "elements", "last_updated"}


def test_url_and_body_must_agree():
    require_match("k", id=("12", "12"))
    with pytest.raises(InvalidRequest) as err:
        require_match("k", country_code=("DE", "DE"), id=("12", "13"))
    assert err.value.problems == [Problem("id", "12 in the body does not match 13 in the URL")]
