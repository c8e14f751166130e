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


def stepped_energy(total_kwh: Decimal, step_wh: int) -> Decimal:
    """The billed energy in kWh: ``total_kwh`` rounded up to whole steps of ``step_wh`` Wh."""
    if total_kwh <= 0:
        return total_kwh
    step = step_wh / _WH_PER_KWH
    return (total_kwh / step).to_integral_value(ROUND_CEILING) * step


def stepped_hours(total_h: Decimal, step_s: int) -> Decimal:
    """The billed time in hours: ``total_h`` in whole seconds, rounded up to whole steps of ``step_s``."""
    if total_h <= 0:
        return total_h
    seconds = int((total_h * _S_PER_H).to_integral_value(ROUND_HALF_EVEN))
    steps = -(-seconds // step_s)
    billed = steps * step_s / _S_PER_H
    return billed if billed > total_h else total_h
