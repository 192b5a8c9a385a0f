"""Progress of long runs (replay, a feed's first backfill): a bar on a terminal, plain lines otherwise;
always on stderr, never on stdout."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

log = logging.getLogger(__name__)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Counts items done out of `total`: a tqdm bar (total, rate, time left) when stderr is a terminal,
    else an INFO line every `every` items or `interval` seconds, whichever comes first."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        unit: str = "article",
        stream: TextIO | None = None,
        every: int = 1000,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        stream = stream or sys.stderr
        self.label, self.total, self.unit = label, total, unit
        self.every, self.interval, self.clock = every, interval, clock
        self.done = 0
        self.start = self.last = clock()
        self.bar: tqdm[None] | None = None
        if stream.isatty():  # tqdm is imported only here: a replay into a file or pipe does without it
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit=f" {unit}s", file=stream, dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        """Count n more items done."""
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = self.clock()
        if self.done % self.every == 0 or now - self.last >= self.interval:
            self.last = now
            log.info("%s", self.line())

    def line(self) -> str:
        """Where the run is: items done (of the total), rate and time left."""
        elapsed = max(self.clock() - self.start, 1e-9)
        rate = self.done / elapsed
        text = f"{self.label}: {self.done}"
        if self.total:
            text += f" of {self.total} {self.unit}s ({100 * self.done / self.total:.0f}%)"
        else:
            text += f" {self.unit}{'s' if self.done != 1 else ''}"
        text += f", {rate:.1f} a second"
        if self.total and rate > 0 and self.done < self.total:
            text += f", about {_duration((self.total - self.done) / rate)} left"
        return text

    def close(self) -> None:
        """Finish the bar, or log the last line."""
        if self.bar is not None:
            self.bar.close()
        elapsed = self.clock() - self.start
        log.info(
            "%s: %d %s%s in %s",
            self.label,
            self.done,
            self.unit,
            "s" if self.done != 1 else "",
            _duration(elapsed),
        )
