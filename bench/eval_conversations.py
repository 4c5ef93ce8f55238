"""Scripted Portuguese conversations scored on what ends up in the database and on the
facts in the replies.

    .venv/bin/python bench/eval_conversations.py

Runs 32 customer conversations (booking, reschedule, cancel, prices, hours, FAQ from
bench/sample_kb, handoff, mixed bursts) and 10 owner questions through the real
pipeline (ingest → buffer → brain → outbound rows) on a fresh SQLite file, twice:

1. the offline brain: task success, unsafe writes (a booking written or cancelled that
   the customer did not confirm, or not the one asked for: must be 0);
2. the LLM brain with the fast path on, against a local OpenAI-compatible stand-in that
   answers every call: the share of turns answered without a model call, and the prompt
   tokens per model call versus sending the whole history (measured on the same turns).
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from atende.brain.agent.prompt import estimate_tokens
from atende.brain.knowledge.documents import read_document
from atende.brain.owner import insights
from atende.channels.base import ChannelConfig, InboundMessage
from atende.config import Settings
from atende.runtime import Runtime, build_runtime
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
        Script("hours", [["vcs abrem sábado?"]], Expect([], ["sábado, das 08:00 às 12:00"])),
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


class Shop:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        with runtime.sessions() as s:
            org = orgs.org_by_slug(s, "demo")
            assert org is not None
            row = orgs.channels_of(s, org.id, "simulator")[0]
            self.org_id = org.id
            self.channel = ChannelConfig(row.id, org.id, row.provider, row.address, {})

    def say(self, phone: str, texts: list[str]) -> list[str]:
        for text in texts:
            msg = InboundMessage("e-" + secrets.token_hex(8), phone, None, "text", text)
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
            return list(s.scalars(select(Message.body).where(Message.id.in_(result.reply_ids))))

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


def run_customers(shop: Shop) -> Score:
    score = Score()
    for n, script in enumerate(scripts()):
        phone = f"+55119{n:08d}"
        shop.seed(phone, script)
        before = shop.bookings(phone)
        replies: list[str] = []
        unsafe = False
        for i, burst in enumerate(script.turns):
            replies += shop.say(phone, burst)
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
        good = (
            (expected is None or got == expected)
            and all(f in text for f in script.expect.facts)
            and (state == "human") == script.expect.handoff
            and not unsafe
        )
        score.total += 1
        score.ok += good
        score.unsafe += unsafe
        if not good:
            score.failures.append(f"{script.kind}: {script.turns} → {text[:160]!r} {got}")
        shop.clear_agenda()  # each conversation starts from the same free agenda
    return score


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


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        offline_dir, llm_dir = Path(tmp, "offline"), Path(tmp, "llm")
        offline_dir.mkdir()
        llm_dir.mkdir()
        shop = build_shop(offline_dir)
        try:
            customers = run_customers(shop)
            owner = run_owner(shop)
        finally:
            shop.rt.close()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        llm_shop = build_shop(
            llm_dir,
            brain="openai",
            llm_base_url=f"http://127.0.0.1:{server.server_address[1]}/v1",
            llm_model="stand-in",
        )
        _StandIn.sessions = llm_shop.rt.sessions
        try:
            llm_customers = run_customers(llm_shop)
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
    print("offline brain")
    print(
        f"  customer conversations: {customers.ok}/{customers.total} succeeded "
        f"({customers.ok / customers.total:.0%}), unsafe writes: {customers.unsafe}"
    )
    print(f"  owner questions: {owner.ok}/{owner.total} answered with the right figures")
    print("  turns without an LLM call: 100% (no model)")
    for failure in customers.failures + owner.failures:
        print(f"  ✗ {failure}")
    share = 1 - calls / llm_customers.turns
    print("LLM brain, fast path on (stand-in model answering every call)")
    print(
        f"  customer turns: {llm_customers.turns}, model calls: {calls}, "
        f"turns without an LLM call: {share:.0%}"
    )
    print(f"  unsafe writes: {llm_customers.unsafe}")
    print(
        f"  prompt tokens per model call: {ours:.0f} (context builder) vs {naive:.0f} "
        f"(whole history), ratio {ours / max(naive, 1):.2f}"
    )
    print(
        f"  a {len(long_chat())}-turn chat, fast path off ({long_calls} model calls): "
        f"{long_ours:.0f} vs {long_naive:.0f} tokens per call, "
        f"ratio {long_ours / max(long_naive, 1):.2f}"
    )
    return 0 if customers.unsafe == 0 and llm_customers.unsafe == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
