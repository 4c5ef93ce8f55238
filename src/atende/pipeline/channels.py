"""Looking up stored channels and building their adapters."""

from __future__ import annotations

import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from atende.channels.base import Channel, ChannelConfig
from atende.channels.registry import ChannelEnv, build_channel
from atende.storage import orgs

CACHE_SECONDS = 5.0


class ChannelDirectory:
    """Channel configs by id, cached for a few seconds: every webhook needs one.

    Credentials arrive decrypted (their column type opens them, storage/secrets.py), so
    adapters only ever see plain values. With the wrong key the lookup raises
    ``SecretsUnreadable``: the webhook answers 500 and the provider retries it later."""

    def __init__(self, sessions: sessionmaker[Session], env: ChannelEnv) -> None:
        self._sessions = sessions
        self.env = env
        self._cache: dict[str, tuple[float, ChannelConfig | None]] = {}
        self._lock = threading.Lock()

    def config(self, channel_id: str) -> ChannelConfig | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(channel_id)
        if hit and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        with self._sessions() as session:
            row = orgs.channel_by_id(session, channel_id)
            config = (
                None
                if row is None
                else ChannelConfig(
                    id=row.id,
                    organization_id=row.organization_id,
                    provider=row.provider,
                    address=row.address,
                    credentials=dict(row.credentials),
                )
            )
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[channel_id] = (now, config)
        return config

    def adapter(self, channel_id: str) -> Channel | None:
        config = self.config(channel_id)
        return None if config is None else build_channel(config, self.env)
