"""Whatever JSON arrives, the engine answers with a price or one of its typed errors, never a crash
(the command line turns those errors into exit status 2 and one line)."""

from __future__ import annotations

import copy

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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_broken_tariffs_and_cdrs_give_typed_errors(data):
    tariff, cdr = data.draw(st.sampled_from(PAIRS))
    tariff = _mutated(tariff, data) if data.draw(st.booleans()) else tariff
    cdr = _mutated(cdr, data) if data.draw(st.booleans()) else cdr
    try:
        TariffCache().get(tariff)
        jsonio.dumps(priced_cdr(cdr, price_cdr(tariff, cdr)))  # what `roamstream price` prints
    except (InvalidInputError, TariffNotActiveError):
        pass
