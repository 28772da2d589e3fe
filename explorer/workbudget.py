"""A bound on the work one reading loop may do: a time budget, and a check that its visitor is still there.

Every loop over an untrusted file (an upload's lines, a vector file's rows) asks its budget now and
then whether to go on; once the time is spent, or the visitor who asked has gone away, the loop
stops with a message instead of keeping a server thread busy for minutes. A leaf module: it
imports nothing of the project.

Example:
    >>> now = [0.0]
    >>> budget = WorkBudget(seconds=2.0, clock=lambda: now[0])
    >>> budget.spent()
    False
    >>> now[0] = 3.0
    >>> budget.spent(), budget.reason()
    (True, 'reading stopped after 3 s')
"""

from __future__ import annotations

import time
from collections.abc import Callable

READ_SECONDS = 60.0  # an upload's read is stopped after this long (the app's default budget)


class WorkBudget:
    """Seconds a loop may run from its creation, and a ``still_wanted`` check (False: the visitor left).

    Args:
        seconds: the time budget (None: no time limit).
        still_wanted: called by ``spent`` at most every ``check_every`` seconds; False stops the work.
        clock: monotonic seconds (a test passes a fake one).
    """

    def __init__(
        self,
        seconds: float | None = READ_SECONDS,
        still_wanted: Callable[[], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
        check_every: float = 0.5,
    ) -> None:
        self.seconds = seconds
        self._still_wanted = still_wanted
        self._clock = clock
        self._check_every = check_every
        self.started = clock()
        self._last_check = self.started
        self.abandoned = False

    def elapsed(self) -> float:
        """Seconds since the budget started."""
        return self._clock() - self.started

    def spent(self) -> bool:
        """Whether the work should stop now: its time is up, or nobody waits for it any more."""
        now = self._clock()
        if self.seconds is not None and now - self.started > self.seconds:
            return True
        if self._still_wanted is not None and now - self._last_check >= self._check_every:
            self._last_check = now
            if not self._still_wanted():
                self.abandoned = True
        return self.abandoned

    def reason(self) -> str:
        """Why the work stopped, as the start of a sentence: "reading stopped after 60 s".

        >>> b = WorkBudget(seconds=None, still_wanted=lambda: False, check_every=0.0)
        >>> b.spent(), b.reason()
        (True, 'reading stopped because the visitor left')
        """
        if self.abandoned:
            return "reading stopped because the visitor left"
        return f"reading stopped after {self.elapsed():,.0f} s"
