"""The one source of "now" for everything that decides by time: token expiry,
renewal points, rollover windows, proof and message timestamp windows.

Inject a clock (every class of this package takes `clock=`) so tests move time
instead of sleeping. Times are integers: nanoseconds since the Unix epoch.
Implementations must be thread-safe.
"""

import abc
import threading
import time

NANOS_PER_SECOND = 1_000_000_000


def seconds_to_ns(seconds):
    """A duration in seconds (int or float) as integer nanoseconds."""
    return int(round(seconds * NANOS_PER_SECOND))


class Clock(abc.ABC):
    """What "now" is."""

    @abc.abstractmethod
    def now_ns(self):
        """Nanoseconds since 1970-01-01T00:00:00Z."""


class SystemClock(Clock):
    """The wall clock (time.time_ns)."""

    def now_ns(self):
        return time.time_ns()

    def __repr__(self):
        return "SystemClock()"


SYSTEM_CLOCK = SystemClock()


class FakeClock(Clock):
    """A clock that moves only when told to. Thread-safe.

    The default start is 2023-11-14T22:13:20Z (Unix time 1,700,000,000), as the
    C++ FakeClock's.
    """

    def __init__(self, start_ns=1_700_000_000 * NANOS_PER_SECOND):
        self._lock = threading.Lock()
        self._now = int(start_ns)

    def now_ns(self):
        with self._lock:
            return self._now

    def set_ns(self, now_ns):
        with self._lock:
            self._now = int(now_ns)

    def advance(self, seconds):
        """Moves the clock by `seconds` (may be fractional or negative)."""
        with self._lock:
            self._now += seconds_to_ns(seconds)

    def __repr__(self):
        return f"FakeClock(now_ns={self.now_ns()})"
