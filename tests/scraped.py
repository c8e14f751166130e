"""Reading a service's ``/metrics`` as Prometheus does (prometheus-client's own text parser)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


class Scraped:
    """One scrape: ``value(name, **labels)`` is the sum of the samples of ``name`` whose labels include
    ``labels`` (0 when none); ``families`` the metric family names exported, samples or not."""

    def __init__(self, text: str) -> None:
        self.text = text
        families = list(text_string_to_metric_families(text))
        self.families = {f.name for f in families}
        self.samples = [s for f in families for s in f.samples]

    def value(self, name: str, **labels: str) -> float:
        return sum(s.value for s in self.samples
                   if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))

    def labelled(self, name: str) -> list[dict[str, str]]:
        return [s.labels for s in self.samples if s.name == name]
