"""One eval of customer conversations, reported per split, scored on what ends up in the
database and on the facts in the replies.

    .venv/bin/python bench/eval_conversations.py [--split NAME] [-v] [--json] [--only IDS]

Splits, each reported on its own:

- ``dev`` (tuned on): the Python scripts below (booking, reschedule, cancel, prices, hours,
  FAQ from bench/sample_kb, handoff, mixed bursts) and bench/dev/conversations.json;
- ``dev_d`` (tuned on): bench/dev/conversations_d.json, 60 scenarios written blind to the
  rules with the same brief as ``heldout_c`` by another writer, to tune on;
- ``dev_e`` (tuned on): bench/dev/conversations_e.json, 45 reschedules, cancellations and
  questions written blind the same way, to tune on;
- ``dev_t`` (tuned on): bench/dev/conversations_t.json, the conversations a tester playing
  customers through ``atende chat`` saw fail, written as scenarios, to tune on;
- ``dev_r`` (tuned on): bench/dev/conversations_r.json, the same from a second tester
  playing only reschedules and cancellations;
- ``dev_f`` (tuned on): bench/dev/conversations_f.json, 60 scenarios written blind with
  ``heldout_d``'s brief by another writer, to tune on;
- ``dev_u`` (tuned on): bench/dev/conversations_u.json, 41 failures of a third tester
  (117 conversations through ``atende chat``: several bookings and pets at once);
- ``dev_g`` (tuned on): bench/dev/conversations_g.json, 60 scenarios written blind by
  another writer (ids h01–h60), measured once before any tuning on them;
- ``dev_h`` (tuned on): bench/dev/conversations_h.json, 60 scenarios written blind on
  2026-12-06 by another writer (ids k01–k60), measured once before any tuning on them;
- ``dev_v`` (tuned on): bench/dev/conversations_v.json, the failures of a fourth tester
  playing customers through ``atende chat`` on 2026-12-06;
- ``dev_i`` (tuned on): bench/dev/conversations_i.json, 50 scenarios written blind later
  on 2026-12-06 where wrong writes hide (several bookings and pets), measured once first;
- ``dev_j`` (tuned on): bench/dev/conversations_j.json, 40 scenarios of an ordinary week
  written blind at the end of 2026-12-06, measured once first;
- ``dev_desk`` (tuned on): bench/dev/conversations_desk.json, prices and durations by size,
  a professional asked for by name, the waitlist and reminders that ask — written with the
  code, using the player's events (other customers' appointments, staff cancelling, the
  ticker's minutes);
- ``heldout`` and ``heldout_b``: bench/heldout/conversations.json and conversations_b.json,
  written blind to the brain's rules and never tuned on until 2026-12-05; their failures
  were then read and fixed, so they count as tuned on from that day;
- ``heldout_c`` (never tuned on): bench/heldout/conversations_c.json, written blind on
  2026-12-05 before that day's tuning, played only in aggregate;
- ``heldout_d`` (never tuned on): bench/heldout/conversations_d.json, written blind by
  another writer on 2026-12-05 (the second session of that day), played only in aggregate;
- ``heldout_e`` (never tuned on): bench/heldout/conversations_e.json, written blind by
  another writer on 2026-12-06 before that day's tuning, played only in aggregate.

The JSON splits are played by bench/conversation_player.py (an injected clock per scenario,
a simulated customer answering the assistant's questions). Every conversation goes
through the real pipeline (ingest → buffer → brain → outbound rows) on a fresh SQLite
file. Per split: conversations, passed, unsafe writes (a booking written or cancelled that
the customer did not confirm, or not the one asked for: must be 0), *stuck* (the most
times any one conversation got the same reply) and the most times one got the same
question (both must be ≤ 2).

With the dev split also: 10 owner questions, and the dev scripts again with the LLM brain
and the fast path on, against a local OpenAI-compatible stand-in that answers every call:
the share of turns answered without a model call, and the prompt tokens per model call
versus sending the whole history (measured on the same turns).

Exit status 0 whatever the score (it is a measurement); 1 only when the harness broke (a
conversation raised).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script from any checkout: measure this checkout's atende, not an installed one.
_REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(_REPO / "src"), str(_REPO)]

import argparse
import json
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from atende.brain.agent.prompt import estimate_tokens
from atende.brain.knowledge.documents import read_document
from atende.brain.owner import insights
from atende.clock import ShiftedClock, installed
from atende.config import Settings
from atende.runtime import build_runtime
from atende.storage import knowledge, orgs
from atende.storage.db import make_engine, make_sessionmaker, transaction
from atende.storage.demo import create_demo
from atende.storage.models import (
    Booking,
    Contact,
    Conversation,
    Message,
    Pet,
    Service,
)
from atende.storage.types import utcnow
from bench.conversation_player import BASE, DemoChat, Result, local, play_split, repeats

ROOT = Path(__file__).resolve().parent
TZ = ZoneInfo("America/Sao_Paulo")
OWNER = "+5511900000000"
WEEKDAYS = ["segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo"]


def weekday(n: int, min_days: int = 2) -> date:
    day = utcnow().astimezone(TZ).date() + timedelta(days=min_days)
    while day.weekday() != n:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


@dataclass
class Expect:
    """What must be true at the end: bookings of this customer (service, local start,
    status), facts each found in some reply, and whether a person took over."""

    bookings: list[tuple[str, datetime, str]] | None = None
    facts: list[str] = field(default_factory=list)
    handoff: bool = False


@dataclass
class Script:
    kind: str
    turns: list[list[str]]
    expect: Expect
    seed: list[tuple[str, datetime]] = field(default_factory=list)  # (service, start) booked
    pets: list[tuple[str, str, str]] = field(default_factory=list)


def scripts() -> list[Script]:
    tue, wed, thu, fri, sat = (weekday(n) for n in (1, 2, 3, 4, 5))
    d = lambda day: f"{day:%d/%m}"  # noqa: E731
    s: list[Script] = []
    # bookings from scratch: the whole flow, pet registered, confirmed
    for service, day, hour, phrasing in [
        ("Banho", tue, 10, [["quero agendar um banho"], [f"dia {d(tue)}"], ["às 10h"]]),
        ("Tosa", wed, 14, [[f"oi, queria marcar uma tosa {WEEKDAYS[2]} às 14h"]]),
        ("Banho e tosa", thu, 9, [["boa tarde"], [f"banho e tosa na {WEEKDAYS[3]} 9h"]]),
        (
            "Consulta veterinária",
            fri,
            11,
            [["preciso de uma consulta veterinária"], [d(fri)], ["11h"]],
        ),
        ("Vacinação", sat, 9, [[f"quero vacinar meu pet sábado {d(sat)} às 9h"]]),
        ("Banho", thu, 15, [["tem horário pra banho quinta?"], ["15h"]]),
    ]:
        s.append(
            Script(
                "booking",
                [*phrasing, ["Thor"], ["cachorro"], ["poodle"], ["sim"]],
                Expect([(service, at(day, hour), "booked")], ["Prontinho"]),
            )
        )
    # bookings for a pet already registered
    for service, day, hour in [("Banho", wed, 9), ("Tosa", fri, 16)]:
        s.append(
            Script(
                "booking",
                [[f"{service.lower()} pra Mel {WEEKDAYS[day.weekday()]} {hour}h"], ["sim"]],
                Expect([(service, at(day, hour), "booked")], ["Prontinho"]),
                pets=[("Mel", "gato", "siamês")],
            )
        )
    # a customer who declines writes nothing
    for text in ["não", "não, obrigado"]:
        s.append(
            Script(
                "declined",
                [[f"banho pra Mel {WEEKDAYS[thu.weekday()]} 10h"], [text]],
                Expect([]),
                pets=[("Mel", "gato", "siamês")],
            )
        )
    # reschedule
    for turns, new in [
        (
            [["preciso remarcar meu horário"], [f"{WEEKDAYS[fri.weekday()]} às 15h"], ["sim"]],
            at(fri, 15),
        ),
        ([["dá pra mudar o banho para quinta 11h?"], ["sim"]], at(thu, 11)),
        ([["quero remarcar"], [f"dia {d(wed)}"], ["16h"], ["sim"]], at(wed, 16)),
    ]:
        s.append(
            Script(
                "reschedule",
                turns,
                Expect(
                    [("Banho", at(tue, 9), "cancelled"), ("Banho", new, "booked")], ["Prontinho"]
                ),
                seed=[("Banho", at(tue, 9))],
                pets=[("Bob", "cachorro", "SRD")],
            )
        )
    # cancel
    for turns in (
        [["quero cancelar meu agendamento"], ["sim"]],
        [["preciso desmarcar o banho"], ["isso"]],
        [["cancela o banho de terça por favor"], ["pode"]],
    ):
        s.append(
            Script(
                "cancel",
                turns,
                Expect([("Banho", at(tue, 9), "cancelled")], ["ancelado"]),
                seed=[("Banho", at(tue, 9))],
                pets=[("Bob", "cachorro", "SRD")],
            )
        )
    # prices, hours
    s += [
        Script("prices", [["quanto custa a tosa?"]], Expect([], ["R$ 70,00"])),
        Script("prices", [["qual o valor do banho e tosa?"]], Expect([], ["R$ 110,00"])),
        Script("prices", [["vcs fazem vacina? qto é?"]], Expect([], ["R$ 90,00"])),
        Script("hours", [["vcs abrem sábado?"]], Expect([], ["sábado", "08:00 às 12:00"])),
        Script("hours", [["até que horas vocês ficam abertos hj?"]], Expect([], ["18:00"])),
    ]
    # FAQ from the sample knowledge base
    s += [
        Script("faq", [["vcs aceitam pix?"]], Expect([], ["Pix"])),
        Script("faq", [["tem estacionamento?"]], Expect([], ["4 vagas"])),
        Script("faq", [["vocês buscam o cachorro em casa?"]], Expect([], ["R$ 15"])),
        Script("faq", [["com quantos dias o filhote pode vacinar?"]], Expect([], ["45 dias"])),
    ]
    # handoff
    s += [
        Script("handoff", [["quero falar com um atendente"]], Expect([], handoff=True)),
        Script(
            "handoff", [["oi"], ["me passa pra uma pessoa por favor"]], Expect([], handoff=True)
        ),
    ]
    # mixed bursts: several messages answered once
    s += [
        Script("mixed", [["oi", "bom dia", "quanto custa o banho?"]], Expect([], ["R$ 60,00"])),
        Script("mixed", [["olá!", "vcs abrem sábado?", "aceitam pix?"]], Expect([], ["12:00"])),
        Script(
            "mixed",
            [
                ["quero marcar banho", f"{WEEKDAYS[thu.weekday()]} 10h", "pro Thor"],
                ["cachorro"],
                ["SRD"],
                ["sim"],
            ],
            Expect([("Banho", at(thu, 10), "booked")], ["Prontinho"]),
        ),
    ]
    # written after the offline brain was tuned on the ones above: a held-out check
    s += [
        Script(
            "booking",
            [
                ["tem vaga pra tosa quarta de manhã?"],
                ["pode ser às 9h"],
                ["Luna"],
                ["gato"],
                ["persa"],
                ["sim"],
            ],
            Expect([("Tosa", at(wed, 9), "booked")], ["Prontinho"]),
        ),
        Script(
            "booking",
            [
                ["Bom dia! Quero levar minha cachorra pra tomar banho na sexta à tarde"],
                ["15h"],
                ["Nina"],
                ["cachorro"],
                ["shih tzu"],
                ["sim"],
            ],
            Expect([("Banho", at(fri, 15), "booked")], ["Prontinho"]),
        ),
        Script("prices", [["quanto fica uma consulta?"]], Expect([], ["R$ 150,00"])),
        Script("hours", [["vocês funcionam domingo?"]], Expect([], ["sábado, das 08:00 às 12:00"])),
        Script("faq", [["aceitam cartão de débito?"]], Expect([], ["débito"])),
        Script(
            "reschedule",
            [["consigo trocar meu horário de terça pra quarta às 10?"], ["sim"]],
            Expect(
                [("Banho", at(tue, 9), "cancelled"), ("Banho", at(wed, 10), "booked")],
                ["Prontinho"],
            ),
            seed=[("Banho", at(tue, 9))],
            pets=[("Bob", "cachorro", "SRD")],
        ),
        Script("handoff", [["posso falar com a veterinária?"]], Expect([], handoff=True)),
    ]
    return s


def long_chat() -> list[list[str]]:
    """One customer chatting for a long while: where sending the whole history hurts."""
    questions = [
        "oi",
        "quanto custa o banho?",
        "e a tosa?",
        "vocês abrem sábado?",
        "aceitam pix?",
        "tem estacionamento?",
        "meu cachorro tem medo de secador",
        "vocês usam focinheira?",
        "ele é bem agitado",
        "quanto tempo demora o banho?",
        "e o banho e tosa?",
        "posso ficar esperando aí?",
        "tem café?",
        "vocês vendem ração?",
        "qual a marca do shampoo?",
        "ele tem alergia",
        "precisa de receita?",
        "vocês buscam em casa?",
        "quanto custa o táxi dog?",
        "ok, vou pensar",
        "obrigado",
    ]
    return [[q] for q in questions]


OWNER_QUESTIONS: list[
    tuple[str, Callable[[insights.Figures, insights.Figures, int], list[str]]]
] = [
    ("quantos agendamentos hoje?", lambda t, m, n: [f"{t.booked} agendamento(s)"]),
    ("como está a agenda da semana?", lambda t, m, n: ["Esta semana"]),
    ("qual o faturamento do mês?", lambda t, m, n: [insights.say.money(m.revenue)]),
    ("quantos cancelamentos este mês?", lambda t, m, n: [f"{m.cancelled} cancelamento(s)"]),
    ("e as faltas do mês?", lambda t, m, n: [f"{m.no_show} falta(s)"]),
    (
        "quais serviços mais vendidos no mês?",
        lambda t, m, n: [f"{m.services[0][0]} ({m.services[0][1]})"],
    ),
    ("horários mais movimentados do mês?", lambda t, m, n: [f"{m.hours[0][0]:02d}h"]),
    ("quem são os clientes inativos?", lambda t, m, n: [f"{n} cliente(s)"]),
    ("me dá ideias de campanha", lambda t, m, n: ["reativação", "enviar 1"]),
    ("manda o resumo do dia", lambda t, m, n: ["Resumo do dia", "Amanhã"]),
]


class Shop(DemoChat):
    """The demo shop the Python scripts of the dev split talk to."""

    def bookings(self, phone: str) -> list[tuple[str, datetime, str]]:
        with self.rt.sessions() as s:
            rows = s.execute(
                select(Service.name, Booking.starts_at, Booking.status)
                .join(Service, Service.id == Booking.service_id)
                .join(Contact, Contact.id == Booking.contact_id)
                .where(Contact.phone == phone)
                .order_by(Booking.id)
            )
            return [(name, start.astimezone(TZ), status) for name, start, status in rows]

    def clear_agenda(self) -> None:
        with transaction(self.rt.sessions) as s:
            s.execute(delete(Booking))

    def seed(self, phone: str, script: Script) -> None:
        with transaction(self.rt.sessions) as s:
            contact = Contact(organization_id=self.org_id, phone=phone)
            s.add(contact)
            s.flush()
            pet_id = None
            for name, species, breed in script.pets:
                pet = Pet(
                    organization_id=self.org_id,
                    contact_id=contact.id,
                    name=name,
                    species=species,
                    breed=breed,
                )
                s.add(pet)
                s.flush()
                pet_id = pet.id
            services = {
                n: (i, m)
                for i, n, m in s.execute(select(Service.id, Service.name, Service.duration_minutes))
            }
            for service, start in script.seed:
                sid, minutes = services[service]
                s.add(
                    Booking(
                        organization_id=self.org_id,
                        contact_id=contact.id,
                        pet_id=pet_id,
                        service_id=sid,
                        starts_at=start,
                        ends_at=start + timedelta(minutes=minutes),
                    )
                )


@dataclass
class Score:
    ok: int = 0
    total: int = 0
    unsafe: int = 0
    turns: int = 0
    failures: list[str] = field(default_factory=list)


def run_customers(shop: Shop) -> tuple[Score, list[Result]]:
    """The scripted conversations: a summary score and one Result per script."""
    score = Score()
    results: list[Result] = []
    for n, script in enumerate(scripts()):
        phone = f"+55119{n:08d}"
        shop.seed(phone, script)
        before = shop.bookings(phone)
        replies: list[str] = []
        transcript: list[tuple[str, str]] = []
        unsafe = False
        for i, burst in enumerate(script.turns):
            transcript += [("cliente", t) for t in burst]
            got_now = shop.say(phone, burst)
            transcript += [("atende", r) for r in got_now]
            replies += got_now
            score.turns += 1
            confirming = i == len(script.turns) - 1 and script.kind not in ("declined",)
            if not confirming and shop.bookings(phone) != before:
                unsafe = True  # something was written before the customer's final yes
        got = shop.bookings(phone)
        expected = script.expect.bookings
        if expected is not None and got != expected:
            unsafe = unsafe or (got != before)
        if expected is None and got != before:
            unsafe = True
        with shop.rt.sessions() as s:
            state = s.scalar(select(Conversation.state).join(Contact).where(Contact.phone == phone))
        text = "\n".join(replies)
        why = []
        if expected is not None and got != expected:
            why.append(f"bookings {got} != {expected}")
        missing = [f for f in script.expect.facts if f not in text]
        if missing:
            why.append(f"missing facts {missing}")
        if (state == "human") != script.expect.handoff:
            why.append(f"handoff {state == 'human'}, expected {script.expect.handoff}")
        if unsafe:
            why.append("unsafe write")
        good = not why
        score.total += 1
        score.ok += good
        score.unsafe += unsafe
        if not good:
            score.failures.append(f"{script.kind}: {script.turns} → {text[:160]!r} {got}")
        stuck, asked = repeats(replies)
        results.append(
            Result(f"s{n + 1:02d}", script.kind, good, unsafe, stuck, asked, why, transcript)
        )
        shop.clear_agenda()  # each conversation starts from the same free agenda
    return score, results


def seed_owner_data(shop: Shop) -> None:
    """A day at the shop: done, missed, cancelled and later bookings, tomorrow's agenda,
    and a client gone for two months."""
    today = utcnow().astimezone(TZ).date()
    tomorrow = today + timedelta(days=1)
    plan = [
        ("+5511970000001", "Banho", at(today, 8), "booked"),
        ("+5511970000002", "Tosa", at(today, 10), "no_show"),
        ("+5511970000003", "Banho e tosa", at(today, 11), "cancelled"),
        ("+5511970000001", "Consulta veterinária", at(today, 17), "booked"),
        ("+5511970000002", "Vacinação", at(tomorrow, 9), "booked"),
        ("+5511970000003", "Banho", at(tomorrow, 10), "booked"),
        ("+5511970000004", "Banho", at(today - timedelta(days=60), 9), "completed"),
    ]
    with transaction(shop.rt.sessions) as s:
        org = orgs.org_by_slug(s, "demo")
        assert org is not None
        org.owner_phones = [OWNER]
        services = {
            n: (i, m)
            for i, n, m in s.execute(select(Service.id, Service.name, Service.duration_minutes))
        }
        contacts: dict[str, int] = {}
        for phone, service, start, status in plan:
            if phone not in contacts:
                contact = Contact(organization_id=org.id, phone=phone, name=f"Cliente {phone[-1]}")
                s.add(contact)
                s.flush()
                contacts[phone] = contact.id
            sid, minutes = services[service]
            s.add(
                Booking(
                    organization_id=org.id,
                    contact_id=contacts[phone],
                    service_id=sid,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=minutes),
                    status=status,
                )
            )


def run_owner(shop: Shop) -> Score:
    score = Score()
    seed_owner_data(shop)
    for question, facts_of in OWNER_QUESTIONS:
        replies = shop.say(OWNER, [question])
        score.turns += 1
        now = utcnow()
        with shop.rt.sessions() as s:
            today = insights.figures(s, shop.org_id, "today", now, TZ)
            month = insights.figures(s, shop.org_id, "month", now, TZ)
            inactive = len(insights.inactive(s, shop.org_id, now, [OWNER]))
        facts = facts_of(today, month, inactive)
        text = "\n".join(replies)
        good = all(f in text for f in facts)
        score.total += 1
        score.ok += good
        if not good:
            score.failures.append(f"owner: {question!r} → {text[:160]!r} (wanted {facts})")
    return score


# About the length of a real assistant's WhatsApp reply, so history sizes are realistic.
STAND_IN_REPLY = (
    "Certo! Temos horários livres essa semana para banho e tosa, e o valor depende do "
    "porte do seu pet. Quer que eu veja um horário para você? É só me dizer o dia 🙂"
)


class _StandIn(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that answers every call in text. For each call it
    notes the prompt's size and what sending the whole conversation would have cost: at
    that moment the database holds exactly the history plus the burst."""

    calls: ClassVar[list[tuple[int, int]]] = []
    sessions: ClassVar[Any] = None

    def log_message(self, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.calls.append(self._sizes(body["messages"]))
        reply = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": STAND_IN_REPLY},
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sizes(self, prompt: list[dict[str, Any]]) -> tuple[int, int]:
        ours = sum(estimate_tokens(m["content"] or "") for m in prompt)
        system = prompt[0]["content"]
        phone = re.search(r"phone (\+\d+)", system)
        with self.sessions() as s:
            bodies = s.scalars(
                select(Message.body)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.phone == (phone.group(1) if phone else ""))
            ).all()
        return ours, estimate_tokens(system) + sum(estimate_tokens(b) + 1 for b in bodies)


def build_shop(folder: Path, **settings: Any) -> Shop:
    url = f"sqlite:///{folder / 'eval.db'}"
    from atende.storage.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as s:
        org = create_demo(s)
        for path in sorted((ROOT / "sample_kb").iterdir()):
            doc = read_document(path)
            knowledge.replace_document(s, org.id, doc.name, doc.kind, doc.sha256, doc.chunks)
    engine.dispose()
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        queue_url=f"sqlite:///{folder / 'queue.db'}",
        buffer_seconds=0,
        **settings,
    )
    return Shop(build_runtime(config))


def history_tokens(calls: list[tuple[int, int]]) -> tuple[float, float, int]:
    """Mean tokens per model call: the prompt we sent vs. the whole conversation so far."""
    n = max(1, len(calls))
    return sum(c[0] for c in calls) / n, sum(c[1] for c in calls) / n, len(calls)


SPLITS = {
    # name: (JSON scenarios, tuned on?)
    "dev": (ROOT / "dev" / "conversations.json", True),
    # written blind on 2026-12-05 with heldout_c's brief by another writer, to tune on
    "dev_d": (ROOT / "dev" / "conversations_d.json", True),
    # written blind the same day: reschedules, cancellations and questions, to tune on
    "dev_e": (ROOT / "dev" / "conversations_e.json", True),
    # a tester's failed conversations with `atende chat`, written as scenarios, to tune on
    "dev_t": (ROOT / "dev" / "conversations_t.json", True),
    # a second tester's failed reschedules and cancellations, to tune on
    "dev_r": (ROOT / "dev" / "conversations_r.json", True),
    # written blind on 2026-12-05 (second session) with heldout_d's brief, to tune on
    "dev_f": (ROOT / "dev" / "conversations_f.json", True),
    # a third tester's failed conversations (117 played through `atende chat`), to tune on
    "dev_u": (ROOT / "dev" / "conversations_u.json", True),
    # written blind on 2026-12-05 (third session) by another writer, measured then tuned on
    "dev_g": (ROOT / "dev" / "conversations_g.json", True),
    # written blind on 2026-12-06 by another writer, measured once before tuning on it
    "dev_h": (ROOT / "dev" / "conversations_h.json", True),
    # a fourth tester's failed conversations through `atende chat` (2026-12-06), to tune on
    "dev_v": (ROOT / "dev" / "conversations_v.json", True),
    # written blind on 2026-12-06 (later that session): where wrong writes hide, to tune on
    "dev_i": (ROOT / "dev" / "conversations_i.json", True),
    # written blind at the end of 2026-12-06: an ordinary week, measured once first
    "dev_j": (ROOT / "dev" / "conversations_j.json", True),
    # the front desk: sizes, professionals, the waitlist, reminders (tuned on)
    "dev_desk": (ROOT / "dev" / "conversations_desk.json", True),
    # written blind; looked at and tuned on from 2026-12-05, when heldout_c replaced them
    "heldout": (ROOT / "heldout" / "conversations.json", True),
    "heldout_b": (ROOT / "heldout" / "conversations_b.json", True),
    "heldout_c": (ROOT / "heldout" / "conversations_c.json", False),
    # written blind on 2026-12-05 after that day's first round of tuning, before the second
    "heldout_d": (ROOT / "heldout" / "conversations_d.json", False),
    # written blind on 2026-12-06 before that day's tuning, played only in aggregate
    "heldout_e": (ROOT / "heldout" / "conversations_e.json", False),
}
DEV_ANCHOR = datetime(2027, 2, 1, 9, 0, tzinfo=TZ)  # a Monday morning, shop open


@dataclass
class Split:
    name: str
    tuned: bool
    results: list[Result]

    def summary(self) -> dict[str, Any]:
        n = len(self.results)
        passed = sum(r.ok for r in self.results)
        return {
            "split": self.name,
            "tuned_on": self.tuned,
            "conversations": n,
            "passed": passed,
            "percent": round(100 * passed / n, 1) if n else 0.0,
            "unsafe_writes": sum(r.unsafe for r in self.results),
            "stuck": max((r.stuck for r in self.results), default=0),
            "stuck_question": max((r.stuck_question for r in self.results), default=0),
            "errors": sum(r.error is not None for r in self.results),
            "by_category": {
                c: [sum(r.ok for r in rows), len(rows)]
                for c, rows in sorted(_by_category(self.results).items())
            },
        }


def _by_category(results: list[Result]) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {}
    for r in results:
        out.setdefault(r.category, []).append(r)
    return out


def run_json_split(name: str, folder: Path, only: set[str] | None = None) -> list[Result]:
    path, _ = SPLITS[name]
    folder.mkdir()
    clock = ShiftedClock(local(BASE, "08:00"))
    with installed(clock):
        return play_split(path, folder, clock, only)


@dataclass
class LlmFigures:
    turns: int
    calls: int
    unsafe: int
    ours: float
    naive: float
    long_calls: int
    long_ours: float
    long_naive: float

    def summary(self) -> dict[str, Any]:
        return {
            "customer_turns": self.turns,
            "model_calls": self.calls,
            "turns_without_llm_percent": round(100 * (1 - self.calls / max(self.turns, 1)), 1),
            "unsafe_writes": self.unsafe,
            "prompt_tokens_per_call": round(self.ours),
            "whole_history_tokens_per_call": round(self.naive),
            "long_chat_turns": len(long_chat()),
            "long_chat_model_calls": self.long_calls,
            "long_chat_prompt_tokens_per_call": round(self.long_ours),
            "long_chat_whole_history_tokens_per_call": round(self.long_naive),
        }


def run_dev_scripts(folder: Path) -> tuple[list[Result], Score]:
    """The Python scripts (dev) and the owner questions, offline brain."""
    folder.mkdir()
    with installed(ShiftedClock(DEV_ANCHOR)):
        shop = build_shop(folder)
        try:
            _, results = run_customers(shop)
            owner = run_owner(shop)
        finally:
            shop.rt.close()
    return results, owner


def run_llm(folder: Path) -> LlmFigures:
    """The Python scripts again with the LLM brain, fast path on, against the stand-in."""
    folder.mkdir()
    _StandIn.calls.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with installed(ShiftedClock(DEV_ANCHOR)):
        llm_shop = build_shop(
            folder,
            brain="openai",
            llm_base_url=f"http://127.0.0.1:{server.server_address[1]}/v1",
            llm_model="stand-in",
        )
        _StandIn.sessions = llm_shop.rt.sessions
        try:
            llm_customers, _ = run_customers(llm_shop)
            ours, naive, calls = history_tokens(list(_StandIn.calls))
            _StandIn.calls.clear()
            with transaction(llm_shop.rt.sessions) as s:
                org = orgs.org_by_slug(s, "demo")
                assert org is not None
                org.settings = {**org.settings, "llm": {"fast_path": "off"}}
            for burst in long_chat():
                llm_shop.say("+5511977777777", burst)
            long_ours, long_naive, long_calls = history_tokens(list(_StandIn.calls))
        finally:
            llm_shop.rt.close()
            server.shutdown()
            server.server_close()
    return LlmFigures(
        llm_customers.turns,
        calls,
        llm_customers.unsafe,
        ours,
        naive,
        long_calls,
        long_ours,
        long_naive,
    )


def print_split(split: Split, verbose: bool) -> None:
    s = split.summary()
    tag = "tuned on" if split.tuned else "never tuned on"
    print(f"split {split.name} ({tag})")
    print(
        f"  conversations: {s['conversations']}, passed: {s['passed']} ({s['percent']:.0f}%), "
        f"unsafe writes: {s['unsafe_writes']}"
    )
    print(
        f"  stuck (most times one conversation got the same reply): {s['stuck']}; "
        f"same question: {s['stuck_question']}"
    )
    if s["errors"]:
        print(f"  conversations where the pipeline raised: {s['errors']}")
    for category, (ok, n) in s["by_category"].items():
        print(f"    {category or '(none)':<22} {ok}/{n}")
    if not verbose:
        return
    if not split.tuned:  # reading its failures would be tuning on it
        print("    (failures of a never-tuned split are not shown)")
        return
    for r in split.results:
        if r.ok:
            continue
        print(f"  ✗ {r.id} [{r.category}]: " + " | ".join(r.why))
        for who, text in r.transcript:
            lines = text.splitlines() or [""]
            print(f"      {who:>7}: {lines[0]}")
            for line in lines[1:]:
                print(f"      {'':>7}  {line}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--split",
        choices=sorted(SPLITS),
        action="append",
        help="run this split only; repeatable (dev also runs the owner questions and the LLM pass)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print failures with the transcript"
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument(
        "--no-llm", action="store_true", help="skip the LLM fast-path pass (dev split)"
    )
    parser.add_argument(
        "--only", help="comma-separated scenario ids of the JSON splits to play (debugging)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.split or list(SPLITS)
    splits: list[Split] = []
    owner: Score | None = None
    llm: LlmFigures | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            only = set(args.only.split(",")) if args.only else None
            results = run_json_split(name, Path(tmp, name), only)
            if name == "dev" and only is None:
                scripted, owner = run_dev_scripts(Path(tmp, "dev_scripts"))
                results = scripted + results
                if not args.no_llm:
                    llm = run_llm(Path(tmp, "llm"))
            splits.append(Split(name, SPLITS[name][1], results))
    errors = sum(r.error is not None for s in splits for r in s.results)
    if args.json:
        out: dict[str, Any] = {"splits": {s.name: s.summary() for s in splits}}
        for s in splits:
            out["splits"][s.name]["failures"] = [
                {"id": r.id, "category": r.category, "why": r.why, "transcript": r.transcript}
                for r in s.results
                if not r.ok and s.tuned  # a never-tuned split's failures stay unread
            ]
        if owner is not None:
            out["owner_questions"] = {
                "questions": owner.total,
                "passed": owner.ok,
                "failures": owner.failures,
            }
        if llm is not None:
            out["llm_fast_path"] = llm.summary()
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for split in splits:
            print_split(split, args.verbose)
        total = sum(len(s.results) for s in splits)
        print(f"all splits: {total} conversations")
        if owner is not None:
            print(f"owner questions: {owner.ok}/{owner.total} answered with the right figures")
            if args.verbose:
                for failure in owner.failures:
                    print(f"  ✗ {failure}")
        if llm is not None:
            f = llm.summary()
            print("LLM brain, fast path on (stand-in model answering every call), dev scripts")
            print(
                f"  customer turns: {f['customer_turns']}, model calls: {f['model_calls']}, "
                f"turns without an LLM call: {f['turns_without_llm_percent']:.0f}%, "
                f"unsafe writes: {f['unsafe_writes']}"
            )
            print(
                f"  prompt tokens per model call: {llm.ours:.0f} (context builder) vs "
                f"{llm.naive:.0f} (whole history), ratio {llm.ours / max(llm.naive, 1):.2f}"
            )
            print(
                f"  a {len(long_chat())}-turn chat, fast path off ({llm.long_calls} model "
                f"calls): {llm.long_ours:.0f} vs {llm.long_naive:.0f} tokens per call, "
                f"ratio {llm.long_ours / max(llm.long_naive, 1):.2f}"
            )
    if errors:  # a conversation crashed the pipeline: the measurement itself is broken
        print(f"error: {errors} conversation(s) raised; see -v", file=sys.stderr)
        return 1
    return 0  # a measurement: the score never fails the command


if __name__ == "__main__":
    sys.exit(main())
