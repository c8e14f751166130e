"""``round4`` is memoised as a function of the value alone: Decimals equal in value round to the same Decimal,
whichever of them came first, and what it rejects it still rejects."""

from decimal import Decimal, InvalidOperation

import pytest

from roamstream.ocpi.numbers import _round4, round4


@pytest.mark.parametrize("texts", [("1.50", "1.5", "15E-1", "1.500000"), ("-0.00001", "0", "-0"),
                                   ("2.00005", "2.000050"), ("100.00", "1E+2")])
def test_equal_values_round_alike_in_any_order(texts):
    for order in (texts, texts[::-1]):
        got = [round4(Decimal(t)) for t in order]
        want = [_round4(Decimal(t)) for t in order]
        assert [str(g) for g in got] == [str(w) for w in want] == [str(want[0])] * len(texts)


def test_a_signalling_nan_is_still_rejected_by_the_rounding():
    with pytest.raises(InvalidOperation):
        round4(Decimal("sNaN"))


def test_what_is_not_a_decimal_is_not_taken_for_an_equal_one():
    round4(Decimal(5))
    with pytest.raises(AttributeError):
        round4(5)
