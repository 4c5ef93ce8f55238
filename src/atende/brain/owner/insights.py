"""Figures, alerts and opportunities for the owner, computed from the data.

Shared by the owner assistant (offline and LLM tools) and the daily summary, so the
same question always gets the same numbers. A booking still ``booked`` whose time has
passed counts as done (attended) until someone marks it ``no_show``. A moved booking is
a reschedule, never a cancellation; a time held for the waitlist counts nowhere.
Occupancy is the share of the calendar's open time (hours, breaks, holidays) each
resource was booked for, missed appointments included.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from atende.brain.dialogue import replies as say
from atende.domain.periods import Period, period
from atende.domain.sizes import SIZE_NAMES, SIZES
from atende.domain.states import HAPPENED_OR_ON, HOLDS_SLOT, BookingStatus
from atende.storage import analytics, orgs
from atende.storage import calendar as calendar_repo
from atende.storage import resources as resource_repo
from atende.storage.analytics import BookingRow, Client
from atende.storage.models import Organization

INACTIVE_DAYS = 30


@dataclass(slots=True)
class Figures:
    period: Period
    done: int = 0
    upcoming: int = 0
    cancelled: int = 0
    rescheduled: int = 0  # moved to another time: not cancellations
    no_show: int = 0
    revenue: Decimal = Decimal(0)
    services: list[tuple[str, int]] = field(default_factory=list)
    hours: list[tuple[int, int]] = field(default_factory=list)
    rows: list[BookingRow] = field(default_factory=list)
    by_size: list[tuple[str, Decimal]] = field(default_factory=list)  # revenue per porte
    occupancy: list[tuple[str, int]] = field(default_factory=list)  # resource, % booked

    @property
    def booked(self) -> int:
        """Bookings that happened or will happen (not cancelled, not missed)."""
        return self.done + self.upcoming


def figures(session: Session, org_id: int, name: str, now: datetime, tz: ZoneInfo) -> Figures:
    span = period(name, now, tz)
    rows = analytics.bookings_between(session, org_id, span.start, span.end)
    out = Figures(span, rows=rows)
    services: Counter[str] = Counter()
    hours: Counter[int] = Counter()
    sizes: dict[str | None, Decimal] = {}
    for row in rows:
        if row.status == BookingStatus.HELD:
            continue  # offered to the waitlist, not booked (yet)
        if row.status == BookingStatus.CANCELLED:
            if row.moved:
                out.rescheduled += 1
            else:
                out.cancelled += 1
            continue
        if row.status == BookingStatus.NO_SHOW:
            out.no_show += 1
            continue
        if row.status == BookingStatus.COMPLETED or row.ends_at <= now:
            out.done += 1
        else:
            out.upcoming += 1
        out.revenue += row.price
        sizes[row.size] = sizes.get(row.size, Decimal(0)) + row.price
        services[row.service] += 1
        hours[row.starts_at.astimezone(tz).hour] += 1
    out.services = sorted(services.items(), key=lambda kv: (-kv[1], kv[0]))
    out.hours = sorted(hours.items(), key=lambda kv: (-kv[1], kv[0]))
    out.by_size = [(SIZE_NAMES[s], sizes[s]) for s in SIZES if s in sizes]
    if None in sizes and out.by_size:
        out.by_size.append((UNSIZED, sizes[None]))
    out.occupancy = occupancy(session, org_id, span, tz, rows)
    return out


UNSIZED = "porte não informado"
OCCUPYING = (*HAPPENED_OR_ON, BookingStatus.NO_SHOW)  # a missed appointment held its time


def occupancy(
    session: Session, org_id: int, span: Period, tz: ZoneInfo, rows: list[BookingRow]
) -> list[tuple[str, int]]:
    """Each active resource and the share (%) of the open time in ``span`` it was booked."""
    org = session.get(Organization, org_id)
    if org is None:
        return []
    first, last = span.start.date(), span.end.date()
    calendar = calendar_repo.calendar_for(session, org_id, tz, orgs.settings_of(org), first)
    days = [first + timedelta(days=n) for n in range((last - first).days)]
    open_minutes = sum(
        _minutes(opens, closes) for day in days for opens, closes in calendar.plan(day).spans
    )
    booked: Counter[str] = Counter()
    for row in rows:
        if row.resource is not None and row.status in OCCUPYING:
            booked[row.resource] += int((row.ends_at - row.starts_at).total_seconds() // 60)
    return [
        (r.name, round(100 * booked[r.name] / open_minutes) if open_minutes else 0)
        for r in resource_repo.resources(session, org_id)
    ]


def _minutes(opens: time, closes: time) -> int:
    return (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)


def figures_text(f: Figures) -> str:
    label = f.period.label
    if not f.rows:
        return f"Nenhum agendamento {label}."
    lines = [
        f"📊 {label.capitalize()}: {f.booked} agendamento(s)",
        f"• realizados: {f.done} · a realizar: {f.upcoming}",
        f"• cancelados: {f.cancelled} · remarcados: {f.rescheduled} · faltas: {f.no_show}",
        f"• faturamento estimado: {say.money(f.revenue)}",
    ]
    if f.by_size:
        lines.append(f"• faturamento por porte: {by_size_text(f)}")
    if f.occupancy:
        lines.append(f"• ocupação: {occupancy_text(f)}")
    if f.services:
        top = ", ".join(f"{name} ({n})" for name, n in f.services[:3])
        lines.append(f"• serviços mais pedidos: {top}")
    if f.hours:
        top_hours = ", ".join(f"{h:02d}h ({n})" for h, n in f.hours[:3])
        lines.append(f"• horários mais movimentados: {top_hours}")
    return "\n".join(lines)


def by_size_text(f: Figures) -> str:
    """'pequeno R$ 100,00 · médio R$ 60,00 · porte não informado R$ 150,00'."""
    return " · ".join(f"{name} {say.money(amount)}" for name, amount in f.by_size)


def occupancy_text(f: Figures) -> str:
    """'Banho 1 25% · Banho 2 0% · Ana (tosadora) 10% · Dra. Paula (veterinária) 5%'."""
    return " · ".join(f"{name} {percent}%" for name, percent in f.occupancy)


def agenda_text(f: Figures, tz: ZoneInfo, limit: int = 15) -> str:
    """The day's appointments still on, one a line: what an owner asking for 'a agenda de
    amanhã' wants to read."""
    booked = [r for r in f.rows if r.status in HAPPENED_OR_ON]
    if not booked:
        return ""
    lines = [f"🗓️ Agenda {f.period.label}:"]
    for r in booked[:limit]:
        who = " — ".join(x for x in (r.pet_name, r.contact_name or r.contact_phone) if x)
        lines.append(f"• {say.hhmm(r.starts_at.astimezone(tz))} {r.service} — {who}{_ok(r)}")
    if len(booked) > limit:
        lines.append(f"… e mais {len(booked) - limit}.")
    return "\n".join(lines)


def _ok(row: BookingRow) -> str:
    """A booking the customer confirmed (answering the reminder) is marked as such."""
    return " ✅" if row.status == BookingStatus.CONFIRMED else ""


def inactive(session: Session, org_id: int, now: datetime, owners: list[str]) -> list[Client]:
    return analytics.inactive_clients(session, org_id, now, INACTIVE_DAYS, owners)


def inactive_text(clients: list[Client], now: datetime, tz: ZoneInfo) -> str:
    if not clients:
        return f"Nenhum cliente sumido há mais de {INACTIVE_DAYS} dias 🎉"
    lines = [f"👀 {len(clients)} cliente(s) sem vir há mais de {INACTIVE_DAYS} dias:"]
    for c in clients[:10]:
        days = (now - c.last_visit).days if c.last_visit else 0
        lines.append(f"• {c.name or c.phone} ({c.phone}): última visita há {days} dias")
    if len(clients) > 10:
        lines.append(f"… e mais {len(clients) - 10}.")
    lines.append("Quer uma campanha de reativação para eles? Diga *campanha*.")
    return "\n".join(lines)


def daily_summary(
    session: Session, org_id: int, org_name: str, now: datetime, tz: ZoneInfo, owners: list[str]
) -> str:
    """Today's done/cancelled/no-show, tomorrow's agenda, one alert, one opportunity."""
    today = figures(session, org_id, "today", now, tz)
    tomorrow = figures(session, org_id, "tomorrow", now, tz)
    lines = [
        f"🌙 Resumo do dia — {org_name}",
        f"Hoje: {today.done} realizado(s), {today.cancelled} cancelado(s), "
        f"{today.no_show} falta(s) · {say.money(today.revenue)}",
    ]
    agenda = [r for r in tomorrow.rows if r.status in HOLDS_SLOT]
    if agenda:
        lines.append(f"Amanhã: {len(agenda)} agendamento(s)")
        for r in agenda[:12]:
            who = r.pet_name or r.contact_name or r.contact_phone
            lines.append(f"• {say.hhmm(r.starts_at.astimezone(tz))} {r.service} — {who}{_ok(r)}")
    else:
        lines.append("Amanhã: agenda vazia.")
    lines.append("⚠️ " + _alert(session, org_id, now, today, agenda))
    lines.append("💡 " + _opportunity(session, org_id, now, owners, agenda))
    return "\n".join(lines)


def _alert(
    session: Session, org_id: int, now: datetime, today: Figures, agenda: list[BookingRow]
) -> str:
    failed = analytics.failed_messages_since(session, org_id, now - timedelta(days=1))
    if failed:
        return f"{failed} mensagem(ns) não foram entregues nas últimas 24h (veja o painel)."
    if today.no_show:
        return f"{today.no_show} cliente(s) faltaram hoje: vale mandar uma mensagem."
    if today.cancelled:
        return f"{today.cancelled} cancelamento(s) hoje."
    if not agenda:
        return "Nenhum horário marcado para amanhã."
    return "Nenhum problema hoje."


def _opportunity(
    session: Session, org_id: int, now: datetime, owners: list[str], agenda: list[BookingRow]
) -> str:
    gone = inactive(session, org_id, now, owners)
    if gone:
        return (
            f"{len(gone)} cliente(s) não vêm há mais de {INACTIVE_DAYS} dias: "
            "responda *campanha* para reativá-los."
        )
    recent = analytics.bookings_between(session, org_id, now - timedelta(days=180), now)
    if not recent:
        return "Divulgue o número do WhatsApp: os clientes já podem agendar por aqui."
    if len(agenda) < 3:
        return "Amanhã tem bastante horário livre: uma promoção relâmpago pode ajudar (*campanha*)."
    return "Agenda de amanhã bem cheia: confirme os horários com os clientes."
