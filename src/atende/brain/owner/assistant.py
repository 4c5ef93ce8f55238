"""The owner's assistant: numbers, inactive clients, campaigns and the daily summary.

Offline it understands the usual questions by keywords and answers with templates
filled from ``insights`` — the same queries the LLM version's tools use. A campaign is
a draft until the owner picks it and then says "sim": only then are its messages queued,
through the normal outbound path, spaced out to respect ``per_minute``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from atende.brain.base import Reply, Turn
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.intents import is_no, is_yes
from atende.brain.dialogue.state import DialogueState
from atende.brain.owner import insights
from atende.domain.text import fold_chat
from atende.storage import analytics, campaigns
from atende.storage import messages as message_repo

HELP = (
    "Oi! Sou seu assistente de gestão 📈 Posso te dizer:\n"
    "• agendamentos de *hoje*, *amanhã*, da *semana* ou do *mês*\n"
    "• *faturamento* estimado e *cancelamentos*/faltas\n"
    "• *serviços* e *horários* mais procurados, a *ocupação* de cada profissional\n"
    "• clientes *inativos* (30+ dias)\n"
    "• ideias de *campanha* (envio só com sua confirmação)\n"
    "• o *resumo* do dia"
)
OPT_OUT_FOOTER = "\n\n(Para não receber mais promoções, responda SAIR.)"
TOPICS: list[tuple[str, str]] = [
    ("summary", r"\bresumo\b"),
    ("campaign", r"campanha|promoc|promo\b|divulg|ideia|marketing|aniversari"),
    ("inactive", r"inativ|sumid|nao (volta|vem|aparece)|parad"),
    ("cancellations", r"cancel|falt|no.?show|nao (vei|compareceu)"),
    ("services", r"servico.*(mais|popular|procurad|vendid)|(mais|popular|procurad).*servico"),
    ("revenue", r"fatur|receita|ganh|dinheiro|vend|quanto (entrou|fiz)"),
    ("hours", r"horario.*(mais|pico|movimentad|cheio)|(pico|movimentad)"),
    ("occupancy", r"ocupa|lotad|ocios|capacidade"),
    (
        "agenda",
        r"agend|quantos|marcad|atendiment|agenda|cliente.*hoje|hoje|amanha|ontem|semana|mes\b"
        r"|como (foi|esta|ta)|movimento|resultado",
    ),
]


def topic_of(text: str) -> str | None:
    folded = fold_chat(text)
    return next((name for name, pattern in TOPICS if re.search(pattern, folded)), None)


def topics_of(text: str) -> list[str]:
    """Every topic asked in one message ('faturamento e cancelamentos do mês'); the
    catch-all agenda only when nothing more specific matched."""
    folded = fold_chat(text)
    found = [name for name, pattern in TOPICS if re.search(pattern, folded)]
    specific = [t for t in found if t != "agenda"]
    return specific or found


def period_of(text: str, default: str) -> str:
    folded = fold_chat(text)
    if "amanha" in folded:
        return "tomorrow"
    if "ontem" in folded:
        return "yesterday"
    if re.search(r"semana passada|ultima semana", folded):
        return "last_week"
    if "semana" in folded:
        return "week"
    if re.search(r"mes passado|ultimo mes", folded):
        return "last_month"
    if re.search(r"\bmes\b|mensal", folded):
        return "month"
    if "hoje" in folded or "dia" in folded:
        return "today"
    return default


class OwnerAssistant:
    name = "owner"

    def __init__(self, per_minute: float = 20.0) -> None:
        self.per_minute = per_minute

    def prepare(self, session: Session, turn: Turn) -> None:
        """Templates and queries only: nothing to do outside the transaction."""

    def respond(self, session: Session, turn: Turn) -> Reply:
        state = turn.state.copy_state()
        text = " ".join(m.text for m in turn.burst if m.text.strip())
        settled = self._campaign_step(session, turn, state, text)
        if settled is not None:
            return settled
        topics = topics_of(text)
        if not topics:
            return Reply([HELP], state, "owner:help", brain=self.name)
        if "campaign" in topics:
            topics = ["campaign"]  # drafting is a step of its own
        answers = [self.answer(session, turn, topic, text, state) for topic in topics[:4]]
        intent = "owner:" + "+".join(topics[:4])
        return Reply(["\n\n".join(answers)], state, intent, brain=self.name)

    def answer(
        self, session: Session, turn: Turn, topic: str, text: str, state: DialogueState
    ) -> str:
        org, tz, now = turn.org, ZoneInfo(turn.org.timezone), turn.now
        owners = [*org.owner_phones, turn.contact_phone]
        if topic == "summary":
            return insights.daily_summary(session, org.id, org.name, now, tz, owners)
        if topic == "inactive":
            return insights.inactive_text(insights.inactive(session, org.id, now, owners), now, tz)
        if topic == "campaign":
            return self.draft_campaigns(session, turn, state, owners)
        monthly = ("revenue", "services", "hours", "cancellations")
        default = "month" if topic in monthly else "week" if topic == "occupancy" else "today"
        figures = insights.figures(session, org.id, period_of(text, default), now, tz)
        label = figures.period.label
        if topic == "revenue":
            by_size = f"\nPor porte: {insights.by_size_text(figures)}." if figures.by_size else ""
            return (
                f"💰 Faturamento estimado {label}: {say.money(figures.revenue)} "
                f"({figures.booked} atendimento(s), {figures.done} já realizado(s)).{by_size}"
            )
        if topic == "cancellations":
            moved = f" ({figures.rescheduled} remarcado(s) à parte)" if figures.rescheduled else ""
            return (
                f"{label.capitalize()}: {figures.cancelled} cancelamento(s) "
                f"e {figures.no_show} falta(s){moved}."
            )
        if topic == "occupancy":
            return f"📅 Ocupação {label}: {insights.occupancy_text(figures)}."
        if topic == "services":
            if not figures.services:
                return f"Nenhum atendimento {label}."
            return f"🏆 Serviços mais pedidos {label}: " + ", ".join(
                f"{name} ({n})" for name, n in figures.services[:5]
            )
        if topic == "hours":
            if not figures.hours:
                return f"Nenhum atendimento {label}."
            return f"⏰ Horários mais movimentados {label}: " + ", ".join(
                f"{h:02d}h ({n})" for h, n in figures.hours[:5]
            )
        text = insights.figures_text(figures)
        if figures.period.name in ("today", "tomorrow", "yesterday"):
            agenda = insights.agenda_text(figures, tz)
            text = f"{text}\n\n{agenda}" if agenda else text
        return text

    # campaigns

    def draft_campaigns(
        self, session: Session, turn: Turn, state: DialogueState, owners: list[str]
    ) -> str:
        org, now = turn.org, turn.now
        tz = ZoneInfo(org.timezone)
        ideas: list[tuple[str, str, list[int], str]] = []
        gone = insights.inactive(session, org.id, now, owners)
        if gone:
            ideas.append(
                (
                    "reactivation",
                    f"{{oi}} Sentimos falta de vocês aqui na {org.name} 🐾 Que tal agendar um "
                    "banho esta semana? É só responder esta mensagem 🙂",
                    [c.contact_id for c in gone],
                    f"reativação: {len(gone)} cliente(s) sem vir há 30+ dias",
                )
            )
        month = now.astimezone(tz).month
        birthdays = analytics.pet_birthdays(session, org.id, month)
        if birthdays:
            ideas.append(
                (
                    "birthday",
                    f"{{oi}} Este mês é aniversário do seu pet 🎂 A {org.name} quer comemorar: "
                    "agende um banho e ganhe um mimo especial! Responda aqui 🐶",
                    sorted({b.contact_id for b in birthdays}),
                    f"aniversários: {len(birthdays)} pet(s) fazendo aniversário este mês",
                )
            )
        week = insights.figures(session, org.id, "week", now, tz)
        recent = [
            r.contact_id
            for r in analytics.bookings_between(session, org.id, now - timedelta(days=180), now)
        ]
        clients = sorted(set(recent))
        if clients:
            ideas.append(
                (
                    "promotion",
                    f"{{oi}} Ainda temos horários livres esta semana na {org.name} 🛁 "
                    "Quer garantir o banho do seu pet? Responda aqui que a gente agenda!",
                    clients,
                    f"horários livres: {week.booked} agendamento(s) nesta semana; "
                    f"convite para {len(clients)} cliente(s) dos últimos 6 meses",
                )
            )
        if not ideas:
            return "Ainda não há clientes para uma campanha. Volte quando a agenda crescer 🙂"
        drafts = [
            campaigns.create_draft(session, org.id, kind, body, audience)
            for kind, body, audience, _ in ideas
        ]
        state.campaigns = [d.id for d in drafts]
        state.campaign_pending = None
        lines = ["💡 Ideias de campanha (nada é enviado sem sua confirmação):"]
        for i, (_, body, _, why) in enumerate(ideas, 1):
            lines.append(f"{i}. {why}\n   “{body.replace('{oi}', 'Oi, [nome]!')}”")
        lines.append("Para enviar, responda *enviar 1* (ou 2, 3).")
        return "\n".join(lines)

    def _campaign_step(
        self, session: Session, turn: Turn, state: DialogueState, text: str
    ) -> Reply | None:
        org = turn.org
        pending = state.campaign_pending
        if pending:
            if is_yes(text) and not is_no(text):
                state.campaign_pending = None
                state.campaigns = []
                return self._send(session, turn, state, int(pending))
            if is_no(text):
                state.campaign_pending = None
                campaigns.discard(session, org.id, int(pending))
                return Reply(
                    ["Ok, não enviei nada 👍"], state, "owner:campaign_declined", brain=self.name
                )
        drafts = state.campaigns
        folded = fold_chat(text)
        choice = re.search(r"(?:envi\w*|mand\w*|dispar\w*|opcao|numero)?\s*(\d)\b", folded)
        wants = re.search(r"envi|mand|dispar", folded) or re.fullmatch(r"\s*\d\s*", text)
        if drafts and choice and wants:
            index = int(choice.group(1)) - 1
            if not 0 <= index < len(drafts):
                return Reply(
                    [f"Escolha entre 1 e {len(drafts)} 🙂"],
                    state,
                    "owner:campaign",
                    brain=self.name,
                )
            campaign = campaigns.get(session, org.id, int(drafts[index]))
            if campaign is None or campaign.status != "draft":
                return Reply(
                    ["Essa campanha não está mais disponível."],
                    state,
                    "owner:campaign",
                    brain=self.name,
                )
            reach = campaigns.reachable(session, org.id, list(campaign.audience), marketing=True)
            state.campaign_pending = campaign.id
            minutes = max(1, round(len(reach) / self.per_minute))
            return Reply(
                [
                    f"Vou enviar para {len(reach)} cliente(s), aos poucos (~{minutes} min):\n"
                    f"“{campaign.body.replace('{oi}', 'Oi, [nome]!')}”\n"
                    "Confirma o envio? Responda *sim* ou *não*."
                ],
                state,
                "owner:campaign_confirm",
                brain=self.name,
            )
        return None

    def _send(self, session: Session, turn: Turn, state: DialogueState, campaign_id: int) -> Reply:
        org = turn.org
        campaign = campaigns.get(session, org.id, campaign_id)
        if campaign is None or not campaigns.start_sending(session, org.id, campaign_id):
            return Reply(
                ["Essa campanha já foi enviada ou descartada."],
                state,
                "owner:campaign",
                brain=self.name,
            )
        gap = 60.0 / self.per_minute
        sends: list[tuple[int, float]] = []
        for i, (contact, conv_id, channel_id) in enumerate(
            campaigns.reachable(session, org.id, list(campaign.audience), marketing=True)
        ):
            body = campaign.body.replace("{oi}", say.hello(contact.name))
            body += OPT_OUT_FOOTER
            delay = i * gap
            msg_id = message_repo.add_outbound(
                session,
                org.id,
                conv_id,
                channel_id,
                body,
                f"campaign:{campaign.id}:{contact.id}",
                author="campaign",
                not_before=turn.now + timedelta(seconds=delay),
            )
            if msg_id is not None:
                sends.append((msg_id, delay))
        return Reply(
            [f"Campanha enviada para a fila ✅ {len(sends)} mensagem(ns) saindo aos poucos."],
            state,
            "owner:campaign_sent",
            brain=self.name,
            sends=sends,
        )
