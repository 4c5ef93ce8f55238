"""The owner's assistant with a model: analytics tools over the same queries as the
offline assistant, and the model's reading of them (insights, suggestions).

Campaign drafting and sending stay with the deterministic assistant (``OwnerAssistant``):
nothing reaches clients because a model said so, only because the owner said "sim".
When the model fails, the offline assistant answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from sqlalchemy.orm import Session

from atende.brain.agent.brain import LlmBrain, Plan
from atende.brain.agent.budget import report_back, report_spent
from atende.brain.agent.toolkit import Args, NoArgs, Result, Tools
from atende.brain.base import Reply, Turn
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.replies import whatsapp_text
from atende.brain.owner import insights
from atende.brain.owner.assistant import OwnerAssistant, topic_of
from atende.storage import analytics


class PeriodArgs(Args):
    period: Literal["today", "tomorrow", "week", "month"] = Field(
        description="today, tomorrow, this week (Mon-Sun) or this month"
    )


class OwnerTools(Tools):
    def __init__(self, session: Session, turn: Turn) -> None:
        super().__init__()
        self.session, self.turn = session, turn
        self.tz = ZoneInfo(turn.org.timezone)
        self.owners = [*turn.org.owner_phones, turn.contact_phone]
        self.add(
            "get_figures",
            PeriodArgs,
            self.get_figures,
            "Bookings, cancellations and reschedules, revenue (by pet size too), top services "
            "and hours, and each resource's occupancy, of a period.",
        )
        self.add(
            "inactive_clients", NoArgs, self.inactive_clients, "Clients with no visit for 30+ days."
        )
        self.add("pet_birthdays", NoArgs, self.pet_birthdays, "Pets with a birthday this month.")
        self.add(
            "daily_summary",
            NoArgs,
            self.daily_summary,
            "Today's summary, tomorrow's agenda, an alert and an opportunity.",
        )

    def get_figures(self, args: PeriodArgs) -> Result:
        f = insights.figures(self.session, self.turn.org.id, args.period, self.turn.now, self.tz)
        return {
            "period": f.period.label,
            "booked": f.booked,
            "done": f.done,
            "upcoming": f.upcoming,
            "cancelled": f.cancelled,
            "rescheduled": f.rescheduled,
            "no_show": f.no_show,
            "estimated_revenue": say.money(f.revenue),
            "revenue_by_size": {name: say.money(amount) for name, amount in f.by_size},
            "occupancy_percent": dict(f.occupancy),
            "services": dict(f.services),
            "busiest_hours": {f"{h:02d}h": n for h, n in f.hours[:5]},
        }

    def inactive_clients(self, _: NoArgs) -> Result:
        gone = insights.inactive(self.session, self.turn.org.id, self.turn.now, self.owners)
        return {
            "count": len(gone),
            "clients": [
                {"name": c.name, "phone": c.phone, "last_visit": _day(c.last_visit, self.tz)}
                for c in gone[:20]
            ],
        }

    def pet_birthdays(self, _: NoArgs) -> Result:
        month = self.turn.now.astimezone(self.tz).month
        found = analytics.pet_birthdays(self.session, self.turn.org.id, month)
        return {"pets": [{"pet": b.pet, "owner": b.name, "day": b.birth_date.day} for b in found]}

    def daily_summary(self, _: NoArgs) -> Result:
        org = self.turn.org
        text = insights.daily_summary(
            self.session, org.id, org.name, self.turn.now, self.tz, self.owners
        )
        return {"summary": text}


def _day(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).date().isoformat() if moment else None


SYSTEM = (
    "You are the business analyst of {name}, talking on WhatsApp with its owner. "
    "Answer in {language}, short and concrete. Use the tools for every number; never "
    "invent figures. After the numbers, add one practical insight. To send a campaign "
    "the owner writes *campanha*: you never send messages yourself. Now: {now}."
)


class OwnerLlmBrain:
    name = "owner-llm"

    def __init__(self, offline: OwnerAssistant, customer: LlmBrain) -> None:
        self._offline = offline
        self._customer = customer  # its settings, clients, request cap and daily budget

    def prepare(self, session: Session, turn: Turn) -> Plan:
        text = " ".join(m.text for m in turn.burst)
        campaign_talk = (
            topic_of(text) == "campaign"
            or turn.state.campaign_pending is not None
            or (bool(turn.state.campaigns) and any(ch.isdigit() for ch in text))
        )
        if campaign_talk or not text.strip():
            return Plan("offline")
        now = turn.now.astimezone(ZoneInfo(turn.org.timezone))
        system = SYSTEM.format(
            name=turn.org.name,
            language="Brazilian Portuguese"
            if turn.org.locale.startswith("pt")
            else turn.org.locale,
            now=f"{say.WEEKDAY_NAMES[now.weekday()]} {now:%Y-%m-%d %H:%M}",
        )
        result, spent = self._customer.run_model(
            turn,
            session,
            lambda _: [{"role": "system", "content": system}, {"role": "user", "content": text}],
            OwnerTools(session, turn),
            f"owner of organization {turn.org.id}",
        )
        if result.text is None:
            return Plan("offline", calls=result.calls, spent=spent)
        return Plan(
            "llm", [whatsapp_text(result.text)], turn.state.copy_state(), calls=result.calls
        )

    def respond(self, session: Session, turn: Turn) -> Reply:
        plan = turn.prepared if isinstance(turn.prepared, Plan) else Plan("offline")
        if plan.route == "llm":
            report_back(session, turn)
            return Reply(plan.texts, plan.state, "owner:llm", brain=self.name, llm_calls=plan.calls)
        reply = self._offline.respond(session, turn)
        reply.llm_calls = list(plan.calls)
        if plan.calls:
            reply.brain = "owner-fallback"
        if plan.spent is not None:
            report_spent(session, turn.org.id, plan.spent)
            reply.brain = "owner-budget"
        return reply
