"""Reading a service's ``/metrics`` as Prometheus does (prometheus-client's own text parser)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families
from waiting import eventually

_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
             "summary": ("", "_sum", "_count", "_created")}


class Scraped:
    """One scrape: ``value(name, **labels)`` is the sum of the samples of ``name`` whose labels include
    ``labels`` (0 when none); ``families`` the metric family names exported, samples or not."""

    def __init__(self, text: str) -> None:
        self.text = text
        families = list(text_string_to_metric_families(text))
        self.families = {f.name for f in families}
        self.samples = [s for f in families for s in f.samples]

    @property
    def names(self) -> set[str]:
        """Every series name a query may use: a counter ``c`` is queried as ``c_total``, a histogram as
        ``h_bucket``, ``h_sum``, ``h_count`` (whether or not a sample was taken yet)."""
        out = set()
        for f in text_string_to_metric_families(self.text):
            out |= {f"{f.name}{s}" for s in _SUFFIXES.get(f.type, ("",))}
        return out

    def value(self, name: str, **labels: str) -> float:
        return sum(s.value for s in self.samples
                   if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))

    def labelled(self, name: str) -> list[dict[str, str]]:
        return [s.labels for s in self.samples if s.name == name]


def scrape(url: str) -> Scraped:
    """``url``/metrics, read as Prometheus reads it (blocking)."""
    resp = httpx.get(f"{url}/metrics", timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain; version="), resp.headers["content-type"]
    return Scraped(resp.text)


async def scraped_when(url: str, check: Callable[[Scraped], bool], what: str) -> Scraped:
    """Scrape ``url`` until ``check`` holds of the scrape, and return that scrape (``waiting.eventually``)."""
    return await eventually(lambda: m if check(m := scrape(url)) else None, what, in_thread=True)
