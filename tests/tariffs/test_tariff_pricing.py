"""Pricing rules one at a time, on small tariffs and hand-made charging periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from tariff_data import component, tariffs

from roamstream.tariffs import (
    ChargingPeriod,
    OmittedVat,
    TariffNotActiveError,
    compile_tariff,
    price_periods,
)

AMS = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)  # a Monday, 11:00 in Amsterdam


def tariff(*elements, **fields):
    data = {"id": "T", "currency": "EUR", "elements": [], **fields}
    for components, restrictions in elements:
        element = {"price_components": [component(c) for c in components]}
        if restrictions:
            element["restrictions"] = restrictions
        data["elements"].append(element)
    return compile_tariff(data)


def periods(*specs):
    """``(minutes after T0, {field: volume})`` -> ChargingPeriods."""
    return [ChargingPeriod(start=T0 + timedelta(minutes=m), **{k: D(str(v)) for k, v in f.items()})
            for m, f in specs]  # fmt: skip


def total(priced):
    return priced.total_cost.to_ocpi()


def test_element_is_chosen_per_dimension():
    t = tariff(
        (["ENERGY 0.30 step=1"], {"max_kwh": D(10)}),
        (["TIME 2.00 step=1", "ENERGY 0.50 step=1"], None),
    )
    # the first element prices ENERGY below 10 kWh but has no TIME: TIME comes from the second
    priced = price_periods(t, periods((0, {"energy": 10, "time": 1}), (60, {"energy": 5, "time": "0.5"})), start=T0)
    assert priced.total_energy_cost.excl_vat == D("10") * D("0.30") + D("5") * D("0.50")
    assert priced.total_time_cost.excl_vat == D("3.00")


def test_dimension_without_matching_element_is_free():
    t = tariff((["PARKING_TIME 6.00 step=1"], {"start_time": "18:00", "end_time": "20:00"}))
    priced = price_periods(t, periods((0, {"parking": 2})), start=T0, tz=AMS)
    assert total(priced) == {"excl_vat": 0, "incl_vat": 0}


def test_flat_fee_once_per_session_however_many_periods():
    t = tariff((["FLAT 1.50 vat=20 step=1", "TIME 1 vat=20 step=1"], None))
    priced = price_periods(t, periods((0, {"time": 1}), (60, {"time": 1}), (120, {"time": 1})), start=T0)
    assert priced.total_fixed_cost.to_ocpi() == {"excl_vat": D("1.5"), "incl_vat": D("1.8")}


def test_every_distinct_flat_fee_that_becomes_active_is_charged():
    t = tariff((["FLAT 1.00 step=1"], {"start_time": "12:00"}), (["FLAT 0.50 step=1"], None))
    priced = price_periods(t, periods((0, {"time": 1}), (60, {"time": 1})), start=T0, tz=AMS)  # 11:00, 12:00
    assert priced.total_fixed_cost.excl_vat == D("1.50")


def test_omitted_vat_exempt_by_default_or_unknown_on_request():
    t = tariff((["ENERGY 0.25 step=1", "TIME 1.00 vat=10 step=1"], None))
    ps = periods((0, {"energy": 20, "time": 1}))
    assert total(price_periods(t, ps, start=T0)) == {"excl_vat": D("6"), "incl_vat": D("6.1")}
    unknown = price_periods(t, ps, start=T0, omitted_vat=OmittedVat.UNKNOWN)
    assert total(unknown) == {"excl_vat": D("6")}
    assert unknown.total_time_cost.to_ocpi() == {"excl_vat": D("1"), "incl_vat": D("1.1")}
    assert unknown.total_energy_cost.incl_vat is None


def test_zero_vat_is_known_even_when_unknown_policy():
    t = tariff((["ENERGY 0.25 vat=0 step=1"], None))
    priced = price_periods(t, periods((0, {"energy": 4})), start=T0, omitted_vat=OmittedVat.UNKNOWN)
    assert total(priced) == {"excl_vat": D("1"), "incl_vat": D("1")}


def test_min_and_max_price_clamp_excl_and_incl_independently():
    # VAT 50% on energy: excl 2.00 is below min excl 2.10, incl 3.00 is above min incl 2.50
    t = tariff((["ENERGY 0.20 vat=50 step=1"], None), min_price={"excl_vat": D("2.10"), "incl_vat": D("2.50")})
    priced = price_periods(t, periods((0, {"energy": 10})), start=T0)
    assert total(priced) == {"excl_vat": D("2.1"), "incl_vat": D("3")}
    assert priced.min_price_applied and priced.total_energy_cost.excl_vat == D("2.00")
    t = tariff((["ENERGY 0.20 vat=50 step=1"], None), max_price={"excl_vat": D("2.10"), "incl_vat": D("2.50")})
    assert total(price_periods(t, periods((0, {"energy": 10})), start=T0)) == {
        "excl_vat": 2,
        "incl_vat": D("2.5"),
    }


def test_price_bound_without_incl_vat_clamps_only_excl():
    t = tariff((["ENERGY 0.20 vat=10 step=1"], None), min_price={"excl_vat": D("5")})
    assert total(price_periods(t, periods((0, {"energy": 1})), start=T0)) == {
        "excl_vat": 5,
        "incl_vat": D("0.22"),
    }


def test_energy_step_on_session_total_billed_at_last_price():
    t = tariff((["ENERGY 0.10 step=1000"], {"end_time": "12:00"}), (["ENERGY 1.00 step=500"], None))
    priced = price_periods(t, periods((0, {"energy": "2.2"}), (60, {"energy": "0.1"})), start=T0, tz=AMS)
    # total 2.3 kWh -> 2.5 kWh with the last step (500 Wh): 0.2 kWh extra at 1.00, not 1.0 kWh at 0.10
    assert priced.total_energy_cost.excl_vat == D("2.2") * D("0.10") + D("0.3") * D("1.00")
    assert [c.billed for c in priced.charges] == [D("2.2"), D("0.3")]


def test_time_step_only_on_parking_when_parking_follows():
    t = tariff((["TIME 6.00 step=900", "PARKING_TIME 6.00 step=900"], None))
    priced = price_periods(t, periods((0, {"time": "0.1"}), (6, {"parking": "0.1"})), start=T0)
    assert [c.billed for c in priced.charges] == [D("0.1"), D("0.25")]  # 6 min charging, 6 -> 15 min parking


def test_time_step_on_charging_when_no_parking_is_billed():
    t = tariff((["TIME 6.00 step=900"], None))  # parking exists but is free
    priced = price_periods(t, periods((0, {"time": "0.1"}), (6, {"parking": "0.1"})), start=T0)
    assert [c.billed for c in priced.charges] == [D("0.25")]


def test_four_decimal_hours_of_an_exact_step_are_not_pushed_to_the_next_step():
    t = tariff((["PARKING_TIME 6.00 step=300"], None))
    priced = price_periods(t, periods((0, {"parking": "0.6667"})), start=T0)  # 40 min, written as OCPI does
    assert total(priced)["excl_vat"] == D("4.0002")  # 0.6667 h x 6.00: never less than the CDR's own volume
    priced = price_periods(t, periods((0, {"parking": "0.6681"})), start=T0)  # 40 min 5 s -> 45 min
    assert total(priced)["excl_vat"] == D("4.5")


def test_reservation_time_has_its_own_step_and_elements():
    t = compile_tariff(tariffs()["reservation_fee"])
    priced = price_periods(t, periods((0, {"reservation": "0.2"}), (12, {"energy": 10, "time": 1})), start=T0)
    assert priced.total_reservation_cost.excl_vat == D("2.00") + D("0.25") * D("5.00")  # 12 -> 15 min + fee
    assert priced.total_fixed_cost.excl_vat == D("0.50")


def test_reservation_expiry_can_be_stated_explicitly():
    t = compile_tariff(tariffs()["reservation_expire_fee"])
    reservation_only = periods((0, {"reservation": "1"}))
    assert total(price_periods(t, reservation_only, start=T0))["excl_vat"] == 6  # expired: fee + time
    cancelled = price_periods(t, reservation_only, start=T0, reservation_expired=False)
    assert total(cancelled)["excl_vat"] == 2  # not expired (e.g. cancelled): reserved time only


def test_duration_counts_from_session_start_not_from_reservation_start():
    t = tariff(
        (["TIME 1.00 step=1"], {"reservation": "RESERVATION"}),
        (["ENERGY 0.00 step=1"], {"max_duration": 1800}),
        (["ENERGY 1.00 step=1"], None),
    )
    ps = periods((0, {"reservation": "0.5"}), (30, {"energy": 5}), (60, {"energy": 1}))
    priced = price_periods(t, ps, start=T0)
    assert priced.total_energy_cost.excl_vat == D("1.00")  # the 5 kWh in the first 30 min are free


def test_tariff_validity_is_checked_at_session_start():
    t = tariff((["ENERGY 0.25 step=1"], None), start_date_time="2024-02-01T00:00:00Z",
               end_date_time="2024-03-01T00:00:00Z")  # fmt: skip
    with pytest.raises(TariffNotActiveError):
        price_periods(t, periods((0, {"energy": 1})), start=T0)
    later = datetime(2024, 2, 10, tzinfo=UTC)
    priced = price_periods(t, [ChargingPeriod(start=later, energy=D(4))], start=later)
    assert total(priced)["excl_vat"] == 1


def test_charges_explain_the_bill():
    t = compile_tariff(tariffs()["step_size"])
    start = datetime(2024, 1, 15, 15, 35, tzinfo=UTC)  # 16:35 Amsterdam
    ps = [ChargingPeriod(start=start, time=D(25) / 60), ChargingPeriod(start=start + timedelta(minutes=25),
                                                                       time=D(10) / 60)]  # fmt: skip
    priced = price_periods(t, ps, start=start, tz=AMS)
    lines = [(c.element, c.billed * 60, c.excl_vat) for c in priced.charges]
    assert [(e, round(m, 6), round(x, 6)) for e, m, x in lines] == [(0, 25, D("0.5")), (1, 20, D("0.8"))]
