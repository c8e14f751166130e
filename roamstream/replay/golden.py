"""CDRs as a golden file: one CDR's exact OCPI JSON text per line, sorted by CDR id; and a readable diff."""

from __future__ import annotations

import difflib
import json
from decimal import Decimal

from roamstream.ocpi import jsonio


def to_jsonl(cdrs: dict[str, str]) -> str:
    return "".join(f"{cdrs[cdr_id]}\n" for cdr_id in sorted(cdrs))


def from_jsonl(text: str) -> dict[str, str]:
    """CDR id -> exact JSON text of each line (the text is kept as it is, not re-serialised)."""
    out = {}
    for line in text.splitlines():
        if line:
            out[json.loads(line)["id"]] = line
    return out


def diff(expected: dict[str, str], actual: dict[str, str], *, limit: int = 5) -> str:
    """What differs between two CDR sets: ids missing and extra, then a unified diff of the first ``limit``
    changed CDRs (pretty-printed, so that the changed fields stand out). Empty when they are equal."""
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(k for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    if not (missing or extra or changed):
        return ""
    out = [f"{len(expected)} expected CDRs, {len(actual)} actual: {len(missing)} missing, {len(extra)} extra, "
           f"{len(changed)} changed"]
    if missing:
        out.append(f"missing: {', '.join(missing[:20])}{' ...' if len(missing) > 20 else ''}")
    if extra:
        out.append(f"extra: {', '.join(extra[:20])}{' ...' if len(extra) > 20 else ''}")
    for cdr_id in changed[:limit]:
        before, after = _pretty(expected[cdr_id]), _pretty(actual[cdr_id])
        if before == after:  # the same data, written differently (number notation, spacing): diff the texts
            before, after = [expected[cdr_id]], [actual[cdr_id]]
        out.extend(difflib.unified_diff(before, after, f"expected/{cdr_id}", f"actual/{cdr_id}", lineterm="", n=2))
    if len(changed) > limit:
        out.append(f"... and {len(changed) - limit} more changed: {', '.join(changed[limit:limit + 20])}")
    return "\n".join(out)


def _pretty(text: str) -> list[str]:
    """Indented JSON, numbers exact (no float round trip), one line per field."""
    try:
        return jsonio.dumps(json.loads(text, parse_float=Decimal), indent=1).splitlines()
    except (ValueError, TypeError):
        return text.splitlines()
