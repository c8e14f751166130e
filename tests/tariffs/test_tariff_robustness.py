"""Whatever JSON arrives, the engine answers with a price or one of its typed errors, never a crash
(the command line turns those errors into exit status 2 and one line); and it does price: every well-formed
pair, and the broken inputs whose breakage does not matter to the price. How many inputs it refused is
reported (``-s``, and as a property in the junit XML)."""

from __future__ import annotations

import copy
from collections import Counter
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tariff_data import cases, cdr_for, tariffs

from roamstream.ocpi import jsonio
from roamstream.tariffs import InvalidInputError, TariffCache, TariffNotActiveError, price_cdr, priced_cdr

PAIRS = [(tariffs()[c["tariff"]], cdr_for(c)) for c in cases() if c["kind"] != "withdrawn"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _paths(obj, prefix=()):
    yield prefix
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for key, value in items:
        yield from _paths(value, (*prefix, key))


def _mutated(obj, data):
    """``obj`` with one value somewhere inside replaced by arbitrary JSON, or removed."""
    obj = copy.deepcopy(obj)
    path = data.draw(st.sampled_from([p for p in _paths(obj) if p]))
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()):
        parent[path[-1]] = data.draw(json_values)
    else:
        parent.pop(path[-1])
    return obj


def price(tariff, cdr) -> dict:
    TariffCache().get(tariff)
    priced = priced_cdr(cdr, price_cdr(tariff, cdr))
    jsonio.dumps(priced)  # what `roamstream price` prints
    return priced


def test_every_well_formed_pair_prices():
    assert len(PAIRS) >= 40
    for tariff, cdr in PAIRS:
        priced = price(tariff, cdr)
        assert isinstance(priced["total_cost"]["excl_vat"], Decimal), (tariff["id"], priced["total_cost"])


def test_broken_tariffs_and_cdrs_give_typed_errors(record_property):
    outcomes: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def run(data):
        tariff, cdr = data.draw(st.sampled_from(PAIRS))
        broken = False
        if data.draw(st.booleans()):
            tariff, broken = _mutated(tariff, data), True
        if data.draw(st.booleans()):
            cdr, broken = _mutated(cdr, data), True
        try:
            price(tariff, cdr)
        except (InvalidInputError, TariffNotActiveError) as exc:
            assert broken, f"a well-formed pair was refused: {exc}"
            outcomes["broken, refused"] += 1
        else:
            outcomes["broken, priced" if broken else "well-formed, priced"] += 1

    run()
    report = ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
    print(f"\ntariff robustness: {sum(outcomes.values())} inputs; {report}")
    record_property("tariff_robustness", dict(outcomes))
    # an engine that refused everything fails here (and in the well-formed branch above)
    assert outcomes["well-formed, priced"] > 0, report
    assert outcomes["broken, priced"] > 0, report
