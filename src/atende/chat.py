"""`atende chat`: be a WhatsApp customer in the terminal, through the whole pipeline.

Messages go in through the same ingest as webhooks (simulator channel), wait in the
burst buffer, are answered by a worker running in this process and "sent" back; the
terminal prints what was sent. Piped input waits for each answer before the next line.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from typing import TextIO

from sqlalchemy import select

from atende.channels.base import ChannelConfig, InboundMessage
from atende.errors import NotFound
from atende.runtime import Runtime
from atende.storage import orgs
from atende.storage.db import transaction
from atende.storage.models import Contact, Conversation, Message


def simulator_channel(runtime: Runtime, slug: str) -> tuple[ChannelConfig, str]:
    with transaction(runtime.sessions) as session:
        org = orgs.org_by_slug(session, slug)
        if org is None:
            raise NotFound(f"no organization {slug!r} (run `atende init --demo`)")
        channels = orgs.channels_of(session, org.id, "simulator")
        row = (
            channels[0]
            if channels
            else orgs.add_channel(session, org.id, "simulator", "simulator", {})
        )
        config = ChannelConfig(row.id, org.id, row.provider, row.address, {})
        return config, org.name


class ChatSession:
    def __init__(self, runtime: Runtime, channel: ChannelConfig, phone: str, out: TextIO) -> None:
        self.runtime = runtime
        self.channel = channel
        self.phone = phone
        self.out = out
        self.last_seen = self._latest_outbound_id()
        self.lock = threading.Lock()

    def _conversation(self) -> Conversation | None:
        with self.runtime.sessions() as s:
            return s.scalar(
                select(Conversation)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Conversation.channel_id == self.channel.id, Contact.phone == self.phone)
            )

    def _latest_outbound_id(self) -> int:
        conv = self._conversation()
        if conv is None:
            return 0
        with self.runtime.sessions() as s:
            last = s.scalar(
                select(Message.id)
                .where(Message.conversation_id == conv.id, Message.direction == "out")
                .order_by(Message.id.desc())
            )
        return last or 0

    def say(self, text: str) -> None:
        msg = InboundMessage("sim-" + secrets.token_hex(8), self.phone, None, "text", text)
        self.runtime.pipeline.ingestor.ingest(self.channel, msg)

    def print_new_replies(self) -> int:
        conv = self._conversation()
        if conv is None:
            return 0
        with self.runtime.sessions() as s:
            rows = list(
                s.scalars(
                    select(Message)
                    .where(
                        Message.conversation_id == conv.id,
                        Message.direction == "out",
                        Message.id > self.last_seen,
                        Message.status.in_(("sent", "delivered", "read", "failed")),
                    )
                    .order_by(Message.id)
                )
            )
        with self.lock:
            for m in rows:
                self.out.write(
                    f"\n🐾 {m.body}\n" if m.status != "failed" else f"\n[não enviada] {m.body}\n"
                )
                self.last_seen = max(self.last_seen, m.id)
            self.out.flush()
        return len(rows)

    def settled(self) -> bool:
        """Every message answered and every reply out of the queue."""
        conv = self._conversation()
        if conv is None:
            return True
        if conv.buffer_version > conv.answered_version:
            return False
        with self.runtime.sessions() as s:
            busy = s.scalar(
                select(Message.id).where(
                    Message.conversation_id == conv.id,
                    Message.direction == "out",
                    Message.status.in_(("queued", "sending")),
                )
            )
        return busy is None and self.print_new_replies() == 0

    def wait_settled(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.settled():
            time.sleep(0.2)
        self.print_new_replies()


def run_chat(
    runtime: Runtime, slug: str, phone: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> None:
    channel, org_name = simulator_channel(runtime, slug)
    chat = ChatSession(runtime, channel, phone, out)
    interactive = stdin.isatty()
    window = runtime.settings.buffer_seconds
    out.write(
        f"Você está falando com {org_name} como {phone} (respostas após {window:g}s sem novas "
        "mensagens). Ctrl+D para sair.\n"
    )
    runtime.start_worker(embedded=True)
    stop = threading.Event()
    printer = threading.Thread(target=_print_loop, args=(chat, stop), daemon=True)
    if interactive:
        printer.start()
    try:
        for line in stdin:
            text = line.strip()
            if not text:
                continue
            chat.say(text)
            if not interactive:
                out.write(f"você> {text}\n")
                chat.wait_settled(timeout=window + 30)
        chat.wait_settled(timeout=window + 30)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        runtime.stop_worker()


def _print_loop(chat: ChatSession, stop: threading.Event) -> None:
    while not stop.wait(0.3):
        try:
            chat.print_new_replies()
        except Exception:  # a locked database must not kill the terminal
            continue
