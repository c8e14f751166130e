"""Log records of a command whose console output is for people (``roamstream demo``): every record at INFO
and above to a log file, errors also to the console, and a tally of warnings and errors so that the command
can say how many there were and where to read them. Libraries' warnings (faust's "producer buffer full",
mode's "timer woke up too late", Python ``warnings``) go to the file, not between the progress bars."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LogTally(logging.Handler):
    """Counts the records at WARNING and above, by level name."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1

    def summary(self) -> str:
        warnings = self.counts["WARNING"]
        errors = sum(n for level, n in self.counts.items() if level != "WARNING")
        return f"{warnings} warning{'s' * (warnings != 1)}, {errors} error{'s' * (errors != 1)}"


def log_to_file(path: Path) -> LogTally:
    """Send the process's log records to ``path`` (replaced), errors also to stderr; returns the tally."""
    path.parent.mkdir(parents=True, exist_ok=True)
    file = logging.FileHandler(path, mode="w", encoding="utf-8")
    file.setFormatter(logging.Formatter(FORMAT))
    console = logging.StreamHandler()
    console.setLevel(logging.ERROR)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    tally = LogTally()
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in (file, console, tally):
        root.addHandler(handler)
    logging.captureWarnings(True)
    return tally
