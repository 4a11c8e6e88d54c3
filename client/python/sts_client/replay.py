"""Replay detection for protected messages: per (context identifier,
direction), a sliding window of sequence numbers, as IPsec ESP keeps one
(RFC 4303 section 3.4.3), beside the receiver's timestamp window.

  SequenceWindow accepts each number once; it remembers the highest number
  seen and the SIZE numbers below it, and refuses anything older (it cannot
  tell whether that was seen). Not thread-safe on its own.

  ReplayGuard is thread-safe. It forgets the windows of contexts idle for more
  than twice the timestamp window, which is safe: a message accepted at time t
  had |created - t| <= window, so a copy arriving after t + 2 * window fails
  the timestamp check anyway. It never holds more than `max_windows` windows
  in all (the C++ guard bounds each of its 16 shards to a 16th of that); when
  full of live ones it refuses new contexts (RESOURCE_EXHAUSTED,
  wst:RequestFailed) rather than forget a live one.
"""

import threading

from .derivation import Direction
from .errors import Refusal, StsError

ACCEPTED, REPLAYED, TOO_OLD = "accepted", "replayed", "too old"


class SequenceWindow:
    # As the C++ SequenceWindow::kSize (client/protect/replay.h says why).
    SIZE = 4096

    __slots__ = ("_any", "_highest", "_seen")

    def __init__(self):
        self._any = False
        self._highest = 0
        self._seen = bytearray(self.SIZE)  # _seen[s % SIZE]: s was accepted

    def accept(self, sequence):
        """Records `sequence`; ACCEPTED if it was neither seen nor below the
        window, else REPLAYED or TOO_OLD."""
        size = self.SIZE
        if not self._any:
            self._any = True
            self._highest = sequence
            self._seen[sequence % size] = 1
            return ACCEPTED
        if sequence > self._highest:
            if sequence - self._highest >= size:
                self._seen = bytearray(size)
            else:
                # The numbers the window slides over become unseen.
                for s in range(self._highest + 1, sequence):
                    self._seen[s % size] = 0
            self._highest = sequence
            self._seen[sequence % size] = 1
            return ACCEPTED
        if self._highest - sequence >= size:
            return TOO_OLD
        if self._seen[sequence % size]:
            return REPLAYED
        self._seen[sequence % size] = 1
        return ACCEPTED


class ReplayGuard:
    """Windows per (identifier, direction); see the module comment."""

    def __init__(self, timestamp_window_ns, max_windows):
        self._idle_limit = 2 * timestamp_window_ns
        self._max = max(1, max_windows)
        self._lock = threading.Lock()
        self._windows = {}  # identifier -> [c2s window, s2c window, last accept ns]

    def accept(self, identifier, direction, sequence, now_ns):
        """Nothing when (identifier, direction, sequence) is new (recorded);
        wst:FailedAuthentication ("replayed") otherwise. Call only for
        messages that authenticated, so that nobody without the key can move a
        window."""
        with self._lock:
            entry = self._windows.get(identifier)
            if entry is None:
                if len(self._windows) >= self._max:
                    horizon = now_ns - self._idle_limit
                    for key in [k for k, v in self._windows.items() if v[2] < horizon]:
                        del self._windows[key]
                    if len(self._windows) >= self._max:
                        raise StsError.refuse(Refusal.QUOTA_EXCEEDED,
                                              "replay cache full of live contexts; try again later")
                entry = [SequenceWindow(), SequenceWindow(), now_ns]
                self._windows[identifier] = entry
            result = entry[0 if direction == Direction.CLIENT_TO_SERVER else 1].accept(sequence)
            if result == ACCEPTED:
                entry[2] = max(entry[2], now_ns)
                return
        if result == REPLAYED:
            raise StsError.refuse(Refusal.BAD_PROOF,
                                  "replayed message (sequence number already accepted)")
        raise StsError.refuse(Refusal.BAD_PROOF,
                              "replayed or too late: the sequence number is below the replay "
                              "window")

    def __len__(self):
        with self._lock:
            return len(self._windows)
