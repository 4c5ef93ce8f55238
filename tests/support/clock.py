"""The suite's clock: every test runs at one ordinary moment, whatever the wall clock says.

``tests/conftest.py`` installs a ``ShiftedClock`` starting at ``ANCHOR`` around every test
(time still passes at real speed, so buffers, leases and retries elapse). Product code
reads it through ``atende.clock``; test code asks ``utcnow()`` or the ``test_clock``
fixture, never ``datetime.now``/``time.time``. A test that needs another moment (the
evening, the next day) moves that same clock with ``move_to``/``advance``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from atende.clock import ShiftedClock

TZ = ZoneInfo("America/Sao_Paulo")
# A Tuesday morning with the demo shop open; next Tuesday (`next_weekday(1)`) is a week away.
ANCHOR = datetime(2026, 11, 17, 10, 0, tzinfo=TZ)


def move_to(clock: ShiftedClock, moment: datetime) -> None:
    """Jump the running clock to ``moment``; it goes on ticking from there."""
    clock.advance(moment - clock.now())
