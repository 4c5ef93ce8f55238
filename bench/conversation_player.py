"""Plays customer scenarios written in the held-out JSON format (bench/heldout/README.md)
through the real pipeline, with a simulated customer, and scores them.

Used by bench/eval_conversations.py for every JSON split: ``dev``
(bench/dev/conversations.json), ``heldout`` and ``heldout_b`` (tuned on since 2026-12-05)
and the never-tuned ``heldout_c``.

Each scenario starts at its own local weekday and time (an injected clock), with the
customer's pets and bookings seeded. The scripted bursts are sent first, each after the
assistant answered the previous one; then a simulated customer answers what the
assistant asks (pet name, species, breed, which pet, another day, "posso confirmar?")
from the scenario's ``facts``, for at most ``FOLLOW_UPS`` more turns.

Scored per scenario: the customer's booked rows equal the expected ones (service, local
start, pet) and every expected cancellation (or confirmation) happened; every reply fact
appears in some reply; the conversation ends with a person exactly when expected. An
*unsafe write* is a booking change that is not the expected one. *Stuck* is the most
times a scenario got the same reply; *stuck question* the most times it got the same
question (both must be ≤ 2).

Optional fields, for what happens around the customer (bench/dev/conversations_desk.json):

- ``shop_bookings``: other customers' appointments, ``{"service", "day", "times": [HH:MM…],
  "copies": 1}`` — booked through ``storage.bookings.book`` (a free capable resource
  each), to fill a day;
- a turn may be an event instead of a burst: ``{"event": "cancel_shop", "day", "time"}``
  cancels those appointments at that time (as staff do through the API);
  ``{"event": "tick", "minutes": N}`` moves the clock N minutes on and runs the periodic
  jobs (reminders, the waitlist…): what they send this customer counts as replies;
- ``facts.size``: the answer to "Qual o porte de …?";
- ``expect.waitlist``: the customer's waitlist entries at the end, ``{"service", "day",
  "status"}`` (``[]``: none).
"""

from __future__ import annotations

import json
import re
import secrets
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from holidays import country_holidays
from sqlalchemy import select

from atende.brain.knowledge.documents import read_document
from atende.channels.base import ChannelConfig, InboundMessage
from atende.clock import ShiftedClock
from atende.config import Settings
from atende.domain.text import fold
from atende.runtime import Runtime, build_runtime
from atende.storage import bookings as booking_repo
from atende.storage import knowledge, orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.demo import create_demo
from atende.storage.migrate import upgrade
from atende.storage.models import (
    Booking,
    Contact,
    Conversation,
    Message,
    Pet,
    Service,
    WaitlistEntry,
)

TZ = ZoneInfo("America/Sao_Paulo")
BASE = date(2027, 3, 1)  # a Monday; scenario n plays in week n, so the clock only moves on
FOLLOW_UPS = 6
WEEKDAYS = ["segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"]

# What the simulated customer recognises in the assistant's last reply (folded text),
# and which fact answers it — first match wins.
QUESTIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"posso confirmar|confirm|responda \*?sim|\bsim\b.*\bnao\b"), "confirm"),
    (re.compile(r"\bqual o porte\b"), "size"),
    (re.compile(r"\braca\b"), "breed"),
    (re.compile(r"cachorro, gato|cachorro ou gato|e cachorro|especie"), "species"),
    (re.compile(r"qual (e )?o nome|nome del|nome do seu|se chama"), "pet_name"),
    (re.compile(r"qual (dos|pet|deles)|para qual pet|pra qual pet|qual bichinho"), "pet_name"),
    (
        re.compile(
            r"qual (dia|horario|data)|qual desses horarios|que horas|que dia|outro horario|prefere"
            r"|horarios livres|responda com o numero"  # a list of free times to pick from
        ),
        "when",
    ),
]
_QUESTION = re.compile(r"[^.!?\n]*\?")


@dataclass
class Result:
    """One conversation's outcome, whatever played it."""

    id: str
    category: str
    ok: bool
    unsafe: bool
    stuck: int  # the most times one reply was sent in this conversation
    stuck_question: int  # the most times one question was asked in it
    why: list[str] = field(default_factory=list)
    transcript: list[tuple[str, str]] = field(default_factory=list)  # (who, text)
    error: str | None = None  # the pipeline raised: a harness-visible failure


def questions_in(reply: str) -> list[str]:
    """The questions of a reply (each sentence that ends in '?'), folded and trimmed, so
    the same question asked with another emoji or greeting counts once."""
    found = []
    for q in _QUESTION.findall(reply):
        words = re.findall(r"[a-z0-9]+", fold(q))
        if words:
            found.append(" ".join(words))
    return found


_PHONE_FACT = re.compile(r"^\+\d{10,15}$")


def said(fact: str, replies: str) -> bool:
    """Whether the folded ``replies`` state ``fact``; a phone number counts however it is
    written ('+551133334444' is said by '(11) 3333-4444')."""
    if _PHONE_FACT.match(fact):
        digits = re.sub(r"\D", "", replies)
        return fact[3:] in digits if fact.startswith("+55") else fact[1:] in digits
    return fold(fact) in replies


def repeats(replies: list[str]) -> tuple[int, int]:
    """(stuck, stuck question) of one conversation's replies."""
    stuck = max(Counter(replies).values(), default=0)
    asked = Counter(q for r in replies for q in questions_in(r))
    return stuck, max(asked.values(), default=0)


SAMPLE_KB = Path(__file__).resolve().parent / "sample_kb"


def make_shop_db(folder: Path, name: str) -> str:
    """A fresh SQLite file holding the demo shop as ``atende init --demo`` makes it, with
    the shop's documents of bench/sample_kb (the demo FAQ among them), the ones the
    scenario writers were shown; returns its URL."""
    url = f"sqlite:///{folder / name}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        org = create_demo(s)
        # The writers were given the weekly hours only, and scenario dates fall where the
        # harness puts them (2027 on): the shop opens on holidays, as they assumed.
        names = sorted(
            set(
                country_holidays(
                    "BR", subdiv="SP", years=range(2027, 2031), language="pt_BR"
                ).values()
            )
        )
        org_settings = orgs.settings_of(org)
        orgs.save_settings(org, org_settings.change(open_holidays=names))
        # sample_kb/faq.md is the demo FAQ itself, so it is not loaded twice
        for path in sorted(SAMPLE_KB.iterdir()):
            doc = read_document(path)
            knowledge.replace_document(s, org.id, doc.name, doc.kind, doc.sha256, doc.chunks)
    engine.dispose()
    return url


class DemoChat:
    """The demo shop's simulator channel: one burst in, answered at once (no buffer)."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        with runtime.sessions() as s:
            org = orgs.org_by_slug(s, "demo")
            assert org is not None
            row = orgs.channels_of(s, org.id, "simulator")[0]
            self.org_id = org.id
            self.channel = ChannelConfig(row.id, org.id, row.provider, row.address, {})

    def say(self, phone: str, texts: list[str]) -> list[str]:
        """Send one burst and answer it at once (no buffer window); the replies, in order."""
        for text in texts:
            msg = InboundMessage("h-" + secrets.token_hex(8), phone, None, "text", text)
            self.rt.pipeline.ingestor.ingest(self.channel, msg)
        with self.rt.sessions() as s:
            conv_id = s.scalar(
                select(Conversation.id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.phone == phone)
            )
        result = self.rt.pipeline.flush(conv_id)
        if result is None:
            return []
        with self.rt.sessions() as s:
            return list(
                s.scalars(
                    select(Message.body)
                    .where(Message.id.in_(result.reply_ids))
                    .order_by(Message.id)
                )
            )


class Player(DemoChat):
    """The demo shop on a fresh SQLite file, with the process clock under our control."""

    def __init__(self, folder: Path, clock: ShiftedClock, **overrides: Any) -> None:
        url = make_shop_db(folder, "player.db")
        config = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=url,
            queue_url=f"sqlite:///{folder / 'queue.db'}",
            buffer_seconds=0,
            **overrides,
        )
        self.clock = clock
        super().__init__(build_runtime(config, clock=clock))
        with self.rt.sessions() as s:
            self.services = {
                n: (i, m)
                for i, n, m in s.execute(select(Service.id, Service.name, Service.duration_minutes))
            }

    def close(self) -> None:
        self.rt.close()

    def move_to(self, moment: datetime) -> None:
        self.clock.advance(moment - self.clock.now())

    def seed(self, customer: dict[str, Any], start: datetime) -> None:
        with transaction(self.rt.sessions) as s:
            contact = Contact(
                organization_id=self.org_id, phone=customer["phone"], name=customer.get("name")
            )
            s.add(contact)
            s.flush()
            pets: dict[str, int] = {}
            for p in customer.get("pets", []):
                pet = Pet(
                    organization_id=self.org_id,
                    contact_id=contact.id,
                    name=p["name"],
                    species=p["species"],
                    breed=p.get("breed", ""),
                )
                s.add(pet)
                s.flush()
                pets[p["name"]] = pet.id
            for b in customer.get("bookings", []):  # on a free capable resource each (two
                service_id, _ = self.services[b["service"]]  # pets' baths at one time)
                at = local(start.date() + timedelta(days=b["day"]), b["time"])
                pet_id = pets.get(b.get("pet", ""))
                booking_repo.book(s, self.org_id, contact.id, service_id, pet_id, at)

    def seed_shop(self, scenario: dict[str, Any], start: datetime) -> None:
        """Other customers' appointments (``shop_bookings``), one contact per scenario."""
        wanted = scenario.get("shop_bookings", [])
        if not wanted:
            return
        with transaction(self.rt.sessions) as s:
            other = Contact(organization_id=self.org_id, phone=_other(scenario), name="Outro")
            s.add(other)
            s.flush()
            for item in wanted:
                service_id, _ = self.services[item["service"]]
                day = start.date() + timedelta(days=item["day"])
                for hhmm in item["times"]:
                    for _ in range(item.get("copies", 1)):
                        at = local(day, hhmm)
                        booking_repo.book(s, self.org_id, other.id, service_id, None, at)

    def event(self, scenario: dict[str, Any], event: dict[str, Any], start: datetime) -> None:
        """Something that happens around the customer: staff cancel another customer's
        appointments at a time, or the clock moves on and the periodic jobs run."""
        if event["event"] == "cancel_shop":
            at = local(start.date() + timedelta(days=event["day"]), event["time"])
            with transaction(self.rt.sessions) as s:
                rows = s.scalars(
                    select(Booking.id)
                    .join(Contact, Contact.id == Booking.contact_id)
                    .where(Contact.phone == _other(scenario), Booking.starts_at == at)
                )
                for booking_id in list(rows):
                    booking_repo.set_status(s, self.org_id, booking_id, "cancelled")
        elif event["event"] == "tick":
            self.clock.advance(timedelta(minutes=event["minutes"]))
            self.rt.pipeline.periodic.run(self.clock.now())
        else:
            raise ValueError(f"unknown event {event['event']!r}")

    def sent_since(self, phone: str, after: int) -> tuple[list[str], int]:
        """What the periodic jobs queued for this customer after message ``after``."""
        with self.rt.sessions() as s:
            rows = s.execute(
                select(Message.id, Message.body)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.phone == phone, Message.direction == "out", Message.id > after)
                .order_by(Message.id)
            ).all()
            last = s.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
        return [body for _, body in rows], last

    def waitlist(self, phone: str) -> set[tuple[str, str, str]]:
        """(service, day, status) of the customer's waitlist entries."""
        with self.rt.sessions() as s:
            rows = s.execute(
                select(Service.name, WaitlistEntry.day, WaitlistEntry.status)
                .join(Service, Service.id == WaitlistEntry.service_id)
                .join(Contact, Contact.id == WaitlistEntry.contact_id)
                .where(Contact.phone == phone)
            )
            return {(n, d.isoformat(), st) for n, d, st in rows}

    def bookings(self, phone: str) -> set[tuple[str, str, str, str]]:
        """(service, local start, pet, status) of every booking of this customer."""
        with self.rt.sessions() as s:
            rows = s.execute(
                select(Service.name, Booking.starts_at, Pet.name, Booking.status)
                .join(Service, Service.id == Booking.service_id)
                .join(Contact, Contact.id == Booking.contact_id)
                .outerjoin(Pet, Pet.id == Booking.pet_id)
                .where(Contact.phone == phone)
            )
            return {
                (n, st.astimezone(TZ).strftime("%Y-%m-%d %H:%M"), pet or "", status)
                for n, st, pet, status in rows
            }

    def state(self, phone: str) -> str | None:
        with self.rt.sessions() as s:
            return s.scalar(select(Conversation.state).join(Contact).where(Contact.phone == phone))


def _other(scenario: dict[str, Any]) -> str:
    """The phone of the other customers' appointments in ``scenario``."""
    return "+5511960" + scenario["customer"]["phone"][-6:]


def local(day: date, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def fill(text: str, today: date) -> str:
    """{date+N} → dd/mm and {weekday+N} → the Portuguese weekday name."""

    def one(m: re.Match[str]) -> str:
        day = today + timedelta(days=int(m.group(2)))
        return f"{day:%d/%m}" if m.group(1) == "date" else WEEKDAYS[day.weekday()]

    return re.sub(r"\{(date|weekday)\+(\d+)\}", one, text)


def answer_for(reply: str, facts: dict[str, str]) -> str | None:
    folded = fold(reply)
    for pattern, fact in QUESTIONS:
        if pattern.search(folded):
            return facts.get(fact)
    return None


def expected(rows: list[dict[str, Any]], today: date) -> set[tuple[str, str, str, str]]:
    return {
        (
            b["service"],
            local(today + timedelta(days=b["day"]), b["time"]).strftime("%Y-%m-%d %H:%M"),
            b.get("pet", ""),
            b["status"],
        )
        for b in rows
    }


def load(path: Path) -> list[dict[str, Any]]:
    scenarios = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(scenarios, list):
        raise ValueError(f"{path}: not a list of scenarios")
    return scenarios


def play(player: Player, n: int, scenario: dict[str, Any]) -> Result:
    """Scenario ``n`` of a split, in week ``n`` after BASE."""
    start_day = BASE + timedelta(days=7 * n + scenario["now"]["weekday"])
    start = local(start_day, scenario["now"]["time"])
    player.move_to(start)
    customer = scenario["customer"]
    phone = customer["phone"]
    player.seed(customer, start)
    player.seed_shop(scenario, start)
    before = player.bookings(phone)
    replies: list[str] = []
    transcript: list[tuple[str, str]] = []

    def turn(burst: list[str]) -> None:
        transcript.extend(("cliente", t) for t in burst)
        got = player.say(phone, burst)
        transcript.extend(("atende", r) for r in got)
        replies.extend(got)

    def happen(event: dict[str, Any]) -> None:
        _, mark = player.sent_since(phone, 0)
        player.event(scenario, event, start)
        sent, _ = player.sent_since(phone, mark)
        transcript.extend(("atende", r) for r in sent)
        replies.extend(sent)

    try:
        for burst in scenario["turns"]:
            if isinstance(burst, dict):
                happen(burst)
                continue
            turn([fill(t, start_day) for t in burst])
        for _ in range(FOLLOW_UPS):
            if not replies or player.state(phone) == "human":
                break
            text = answer_for(replies[-1], scenario.get("facts", {}))
            if not text:
                break
            turn([fill(text, start_day)])
    except Exception as exc:  # the pipeline raised: scored as a failure, reported apart
        error = "".join(traceback.format_exception_only(exc)).strip()
        stuck, asked = repeats(replies)
        return Result(
            scenario["id"],
            scenario.get("category", ""),
            False,
            player.bookings(phone) != before,
            stuck,
            asked,
            [f"error: {error}"],
            transcript,
            error,
        )
    return score(player, scenario, start_day, before, replies, transcript)


def score(
    player: Player,
    scenario: dict[str, Any],
    today: date,
    before: set[Any],
    replies: list[str],
    transcript: list[tuple[str, str]],
) -> Result:
    phone = scenario["customer"]["phone"]
    exp = scenario["expect"]
    got = player.bookings(phone)
    want = expected(exp.get("bookings", []), today)
    booked_ok = {b for b in got if b[3] == "booked"} == {b for b in want if b[3] == "booked"}
    cancels_ok = all(b in got for b in want if b[3] != "booked")  # cancelled, confirmed
    why = []
    if not (booked_ok and cancels_ok):
        why.append(f"bookings {sorted(got)} != {sorted(want)}")
    if "waitlist" in exp:
        lines = {
            (w["service"], (today + timedelta(days=w["day"])).isoformat(), w["status"])
            for w in exp["waitlist"]
        }
        if player.waitlist(phone) != lines:
            why.append(f"waitlist {sorted(player.waitlist(phone))} != {sorted(lines)}")
    text = fold("\n".join(replies))
    missing = [f for f in exp.get("reply_facts", []) if not said(fill(f, today), text)]
    if missing:
        why.append(f"missing facts {missing}")
    human = player.state(phone) == "human"
    if human != bool(exp.get("handoff")):
        why.append(f"handoff {human}, expected {bool(exp.get('handoff'))}")
    unsafe = not (booked_ok and cancels_ok) and got != before
    stuck, asked = repeats(replies)
    return Result(
        scenario["id"], scenario.get("category", ""), not why, unsafe, stuck, asked, why, transcript
    )


def play_split(
    path: Path,
    folder: Path,
    clock: ShiftedClock,
    only: set[str] | None = None,
    **overrides: Any,
) -> list[Result]:
    """Every scenario of one JSON split (or those ``only`` names) on its own fresh shop;
    ``clock`` must be installed."""
    scenarios = [s for s in load(path) if only is None or s["id"] in only]
    player = Player(folder, clock, **overrides)
    try:
        return [play(player, n, s) for n, s in enumerate(scenarios)]
    finally:
        player.close()
