"""``step_size`` (mod_cdrs, "step_size"): applied once per session, on the session total of a dimension.

The total billable quantity of the dimension is rounded up to a multiple of the ``step_size`` of the
*last* price component that billed it, and the difference is added to that last period (so it is billed
at the last period's price). Switching elements never rounds. For TIME and PARKING_TIME the pricing
module decides which of the two totals is rounded (see ``pricing``).

Energy: ``step_size`` x 1 Wh, applied to the exact kWh total (115.2 Wh with step 1 bills 116 Wh).
Time: ``step_size`` x 1 s. Hour volumes are first taken to the nearest second, because OCPI hour volumes
carry 4 decimals (0.36 s): 40 min written as 0.6667 h must not be billed as 45 min with a 5-min step.
The billed total is never below the measured total.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

ZERO = Decimal(0)
_ONE = Decimal(1)
_WH_PER_KWH = Decimal(1000)
_S_PER_H = Decimal(3600)


def energy_extra(total_kwh: Decimal, step_wh: int) -> tuple[Decimal, Decimal]:
    """The kWh to add to ``total_kwh`` to reach whole steps of ``step_wh`` Wh, as (numerator, divisor)."""
    if total_kwh <= 0:
        return ZERO, _ONE
    step = step_wh / _WH_PER_KWH
    return (total_kwh / step).to_integral_value(ROUND_CEILING) * step - total_kwh, _ONE


def time_extra(total_h: Decimal, step_s: int) -> tuple[Decimal, Decimal]:
    """The hours to add to ``total_h`` to reach whole steps of ``step_s`` seconds, as (seconds, 3600).

    Kept as seconds over 3600 so that the extra costs ``price x seconds / 3600``: one division, the only
    inexact operation of the engine (at 34 significant digits), done once per session.
    """
    if total_h <= 0:
        return ZERO, _S_PER_H
    exact_seconds = total_h * _S_PER_H
    seconds = int(exact_seconds.to_integral_value(ROUND_HALF_EVEN))
    billed = -(-seconds // step_s) * step_s
    return max(billed - exact_seconds, ZERO), _S_PER_H
