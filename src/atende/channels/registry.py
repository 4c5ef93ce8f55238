"""Builds the adapter for a stored channel. The only place that knows every provider."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from atende.channels.base import Channel, ChannelConfig
from atende.channels.evolution import EvolutionChannel
from atende.channels.meta import MetaChannel
from atende.channels.simulator import SimulatorChannel
from atende.channels.twilio import TwilioChannel
from atende.errors import UnknownProvider


@dataclass(frozen=True, slots=True)
class ChannelEnv:
    """Process-wide things adapters share: the pooled HTTP client and API bases."""

    http: httpx.Client
    twilio_api_base: str
    meta_graph_base: str
    twilio_content_base: str = "https://content.twilio.com"


Factory = Callable[[ChannelConfig, ChannelEnv], Channel]

FACTORIES: dict[str, Factory] = {
    "twilio": lambda cfg, env: TwilioChannel(
        cfg, env.http, env.twilio_api_base, env.twilio_content_base
    ),
    "meta": lambda cfg, env: MetaChannel(cfg, env.http, env.meta_graph_base),
    "evolution": lambda cfg, env: EvolutionChannel(cfg, env.http),
    "simulator": lambda cfg, env: SimulatorChannel(cfg),
}


def build_channel(config: ChannelConfig, env: ChannelEnv) -> Channel:
    try:
        factory = FACTORIES[config.provider]
    except KeyError as exc:
        raise UnknownProvider(config.provider) from exc
    return factory(config, env)
