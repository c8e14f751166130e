"""In-process counters, written in the Prometheus text exposition format (version 0.0.4)."""

from __future__ import annotations

from collections import Counter

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_FAMILIES = {
    "requests": ("roamstream_api_requests_total", "HTTP requests served", ("method", "endpoint", "status")),
    "published": ("roamstream_api_published_total", "records delivered to the broker", ("topic",)),
    "rejected": (
        "roamstream_api_rejected_total",
        "requests refused with an OCPI error",
        ("endpoint", "ocpi_status"),
    ),
    "dead_letters": ("roamstream_api_dead_letters_total", "dead-letter records", ("outcome",)),
}


class Metrics:
    """Counters by label values; one instance per app."""

    def __init__(self) -> None:
        self._counts: dict[str, Counter[tuple[str, ...]]] = {family: Counter() for family in _FAMILIES}

    def inc(self, family: str, *labels: object, by: int = 1) -> None:
        self._counts[family][tuple(str(v) for v in labels)] += by

    def value(self, family: str, *labels: object) -> int:
        return self._counts[family][tuple(str(v) for v in labels)]

    def render(self) -> str:
        lines = []
        for family, (name, help_text, label_names) in _FAMILIES.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
            for labels, count in sorted(self._counts[family].items()):
                pairs = ",".join(f'{n}="{_escape(v)}"' for n, v in zip(label_names, labels, strict=True))
                lines.append(f"{name}{{{pairs}}} {count}")
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
