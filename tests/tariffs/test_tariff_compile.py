"""Tariff validation: precise, typed errors naming the element and field; the compile-once cache."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from tariff_data import component, tariffs

from roamstream.exceptions import RoamstreamError
from roamstream.ocpi.tariff import Tariff
from roamstream.tariffs import InvalidTariffError, TariffCache, compile_tariff


def _tariff(*elements: dict, **fields) -> dict:
    return {"id": "T1", "currency": "EUR", "last_updated": "2024-01-01T00:00:00Z",
            "elements": list(elements), **fields}  # fmt: skip


def _element(*components: str, **restrictions) -> dict:
    element = {"price_components": [component(c) for c in components]}
    if restrictions:
        element["restrictions"] = restrictions
    return element


@pytest.mark.parametrize(
    ("tariff", "path", "problem"),
    [
        (
            _tariff(_element("ENERGY 0.25 step=1", "TIME 1.00 step=0")),
            "tariff.elements[0].price_components[1].step_size",
            "must be > 0",
        ),
        (
            _tariff(
                _element("ENERGY 0.25 step=1"),
                _element("TIME 1 step=60", "ENERGY 0.3 step=1", reservation="RESERVATION"),
            ),  # fmt: skip
            "tariff.elements[1].price_components[1].type",
            "ENERGY is not allowed in a reservation element",
        ),
        (
            _tariff(_element("PARKING_TIME 1 step=60", reservation="RESERVATION_EXPIRES")),
            "tariff.elements[0].price_components[0].type",
            "PARKING_TIME is not allowed",
        ),
        (
            _tariff({"price_components": [{"type": "KWH", "price": 1, "step_size": 1}]}),
            "tariff.elements[0].price_components[0].type",
            "unknown dimension 'KWH'",
        ),
        (
            _tariff({"price_components": [{"type": "ENERGY", "price": Decimal("-0.1"), "step_size": 1}]}),
            "tariff.elements[0].price_components[0].price",
            "must be >= 0",
        ),
        (
            _tariff({"price_components": [{"type": "ENERGY", "price": "0.25", "step_size": 1}]}),
            "tariff.elements[0].price_components[0].price",
            "must be a number",
        ),
        (
            _tariff({"price_components": [{"type": "ENERGY", "price": 1, "vat": -5, "step_size": 1}]}),
            "tariff.elements[0].price_components[0].vat",
            "must be >= 0",
        ),
        (
            _tariff({"price_components": [{"type": "TIME", "price": 1}]}),
            "tariff.elements[0].price_components[0].step_size",
            "is required",
        ),
        (
            _tariff({"price_components": [{"type": "TIME", "price": 1, "step_size": Decimal("1.5")}]}),
            "tariff.elements[0].price_components[0].step_size",
            "must be a whole number",
        ),
        (
            _tariff(_element("FLAT 1 step=1", "FLAT 2 step=1")),
            "tariff.elements[0].price_components[1].type",
            "second FLAT component",
        ),
        (_tariff(), "tariff.elements", "at least one element"),
        (_tariff({"price_components": []}), "tariff.elements[0].price_components", "at least one"),
        (
            _tariff(_element("TIME 1 step=60", start_time="24:00")),
            "tariff.elements[0].restrictions.start_time",
            "HH:MM",
        ),  # fmt: skip
        (
            _tariff(_element("TIME 1 step=60", end_date="2024-02-30")),
            "tariff.elements[0].restrictions.end_date",
            "YYYY-MM-DD",
        ),  # fmt: skip
        (
            _tariff(_element("TIME 1 step=60", start_date="2024-02-01", end_date="2024-02-01")),
            "tariff.elements[0].restrictions.end_date",
            "must be after start_date",
        ),
        (
            _tariff(_element("TIME 1 step=60", min_kwh=Decimal(20), max_kwh=Decimal(10))),
            "tariff.elements[0].restrictions.max_kwh",
            "greater than min_kwh",
        ),
        (
            _tariff(_element("TIME 1 step=60", max_duration=-1)),
            "tariff.elements[0].restrictions.max_duration",
            "must be >= 0",
        ),
        (
            _tariff(_element("TIME 1 step=60", day_of_week=["MONDAY", "FUNDAY"])),
            "tariff.elements[0].restrictions.day_of_week",
            "DayOfWeek",
        ),
        (
            _tariff(_element("TIME 1 step=60", reservation="MAYBE")),
            "tariff.elements[0].restrictions.reservation",
            "unknown ReservationRestrictionType",
        ),
        (_tariff(_element("TIME 1 step=60"), currency="EURO"), "tariff.currency", "3-letter"),
        (
            _tariff(_element("TIME 1 step=60"), min_price={"excl_vat": 5}, max_price={"excl_vat": 4}),
            "tariff.min_price.excl_vat",
            "must not exceed",
        ),
        (
            _tariff(
                _element("TIME 1 step=60"),
                start_date_time="2024-02-01T00:00:00Z",
                end_date_time="2024-01-01T00:00:00Z",
            ),  # fmt: skip
            "tariff.end_date_time",
            "must not be before",
        ),
    ],
)
def test_invalid_tariff_names_element_and_field(tariff, path, problem):
    with pytest.raises(InvalidTariffError) as raised:
        compile_tariff(tariff)
    assert raised.value.path == path
    assert problem in raised.value.problem
    assert str(raised.value).startswith(f"{path}: ")
    assert isinstance(raised.value, RoamstreamError)


def test_flat_step_size_zero_is_accepted_as_the_spec_example_has_it():
    compiled = compile_tariff(tariffs()["free_of_charge"])
    assert compiled.session_candidates[3][0].components[3].step_size == 0


def test_omitted_vat_is_kept_apart_from_zero_vat():
    compiled = compile_tariff(_tariff(_element("ENERGY 0.25 step=1", "TIME 1 vat=0 step=60")))
    energy, time = compiled.elements[0].components[0], compiled.elements[0].components[1]
    assert energy.vat is None and energy.vat_factor is None
    assert time.vat == 0 and time.vat_factor == 1


def test_pydantic_tariff_model_compiles_like_its_json():
    data = tariffs()["complex"]
    from_model = compile_tariff(Tariff.model_validate(data))
    from_json = compile_tariff(data)
    assert [e.components for e in from_model.elements] == [e.components for e in from_json.elements]


def test_cache_compiles_a_tariff_once_per_last_updated():
    cache = TariffCache()
    data = tariffs()["complex"]
    first = cache.get(data)
    assert cache.get(copy.deepcopy(data)) is first
    changed = copy.deepcopy(data)
    changed["last_updated"] = "2024-06-01T00:00:00Z"
    changed["elements"][0]["price_components"][0]["price"] = Decimal("3.00")
    second = cache.get(changed)
    assert second is not first
    assert second.elements[0].components[3].price == Decimal("3.00")
