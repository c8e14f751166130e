"""Parametrization of the tariff tests over the cases in data/cases.yaml."""

from __future__ import annotations

import pytest
from tariff_data import cases

#: fixture name -> which cases it runs over
_CASE_SETS = {
    "priced_case": lambda c: c["kind"] != "withdrawn",
    "stated_case": lambda c: "stated" in c,
    "exact_case": lambda c: "exact" in c,
    # the command line prices with the default OmittedVat.EXEMPT
    "cli_case": lambda c: c.get("omitted_vat", "exempt") == "exempt",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name, keep in _CASE_SETS.items():
        if name in metafunc.fixturenames:
            selected = [c for c in cases() if keep(c)]
            metafunc.parametrize(name, selected, ids=[c["id"] for c in selected])
