"""A Session's running cost, priced by hand with the demo tariff (0.50 start fee, 0.30/kWh, 1.00/h, 21% VAT)."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from roamstream.cdrs.session_cost import running_total_cost
from roamstream.demo import seed
from roamstream.ocpi.location import Location
from roamstream.tariffs import TariffCache

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LOCATION = Location.model_validate(seed.location(["CP-1"]))
TARIFF = TariffCache().get(json.loads(json.dumps(seed.tariff()), parse_float=Decimal))


def test_the_cost_so_far_grows_with_energy_and_time():
    # 15 min, 3 kWh: 0.50 + 3 x 0.30 + 0.25 h x 1.00 = 1.65; x 1.21 = 1.9965
    assert running_total_cost(T0, T0 + timedelta(minutes=15), Decimal(3), LOCATION, TARIFF) == {
        "excl_vat": Decimal("1.65"), "incl_vat": Decimal("1.9965")}
    # the whole session of tests/e2e/one_session.py: the CDR's 4.25 / 5.1425
    assert running_total_cost(T0, T0 + timedelta(minutes=45), Decimal(10), LOCATION, TARIFF) == {
        "excl_vat": Decimal("4.25"), "incl_vat": Decimal("5.1425")}


def test_a_session_that_has_just_started_costs_nothing_yet():
    assert running_total_cost(T0, T0, Decimal(0), LOCATION, TARIFF) == {"excl_vat": 0, "incl_vat": 0}
