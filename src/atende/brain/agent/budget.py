"""An organization's daily token budget: once the day's model calls have spent it, its
turns are answered offline until local midnight, and the business hears of it once.

The limit is the organization's ``llm_daily_tokens`` setting, else the environment's
``ATENDE_LLM_DAILY_TOKENS``; 0 means unlimited. Spent is the sum of prompt and
completion tokens in ``llm_calls`` since midnight in the organization's time zone (the
turn's clock, so a test can move to the next day). A turn that starts within the budget
may finish its tool rounds beyond it by at most one request (``LoopLimits.allowance``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from atende.brain.base import Turn
from atende.domain.org_settings import OrgSettings
from atende.storage import alerts, usage

log = logging.getLogger(__name__)

ALERT_KIND = "llm_budget_spent"


@dataclass(frozen=True, slots=True)
class Allowance:
    limit: int  # 0: unlimited
    spent: int
    day: date  # the organization's local date

    @property
    def left(self) -> int | None:
        return None if not self.limit else max(0, self.limit - self.spent)

    @property
    def exhausted(self) -> bool:
        return bool(self.limit) and self.spent >= self.limit

    def after(self, tokens: int) -> Allowance:
        return replace(self, spent=self.spent + tokens)


def allowance(session: Session, turn: Turn, default_limit: int) -> Allowance:
    tz = ZoneInfo(turn.org.timezone)
    day = turn.now.astimezone(tz).date()
    limit = daily_limit(turn.org.settings, default_limit)
    if not limit:
        return Allowance(0, 0, day)
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    return Allowance(limit, usage.tokens_since(session, turn.org.id, midnight), day)


def daily_limit(settings: OrgSettings, default: int) -> int:
    """The organization's own limit, or the environment's (an invalid stored value was
    already logged and dropped by ``OrgSettings.load``)."""
    value = settings.llm_daily_tokens
    return default if value is None else value


def subject(day: date) -> str:
    return f"budget:{day.isoformat()}"


def report_back(session: Session, turn: Turn) -> None:
    """The model answered this turn: an earlier day's "budget spent" alert is over."""
    today = turn.now.astimezone(ZoneInfo(turn.org.timezone)).date()
    alerts.resolve_all_but(session, turn.org.id, ALERT_KIND, subject(today))


def report_spent(session: Session, org_id: int, spent: Allowance) -> None:
    """One alert per organization and local day, however many workers see it spent."""
    message = (
        f"today's language-model budget is spent ({spent.spent} of {spent.limit} tokens): "
        "the offline assistant answers until midnight; raise llm_daily_tokens to resume"
    )
    if alerts.open_alert(session, org_id, ALERT_KIND, subject(spent.day), message):
        log.warning("organization %s: %s", org_id, message)
