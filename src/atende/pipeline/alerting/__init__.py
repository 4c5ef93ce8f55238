"""Alerts that reach a person: rules evaluated periodically (``rules.py``, ``engine.py``),
told to the owner's WhatsApp, by e-mail and to a webhook (``notify.py``, ``targets.py``,
``smtp.py``); the web process's own evaluator (``watchdog.py``)."""

from atende.pipeline.alerting.engine import AlertEngine, Changes
from atende.pipeline.alerting.notify import Note, Notifier, OrgView, Target
from atende.pipeline.alerting.rules import WEB_RULES, WORKER_RULES, Observed
from atende.pipeline.alerting.smtp import SmtpConfig
from atende.pipeline.alerting.targets import EmailTarget, WebhookTarget, WhatsAppTarget
from atende.pipeline.alerting.watchdog import Watchdog

__all__ = [
    "WEB_RULES",
    "WORKER_RULES",
    "AlertEngine",
    "Changes",
    "EmailTarget",
    "Note",
    "Notifier",
    "Observed",
    "OrgView",
    "SmtpConfig",
    "Target",
    "Watchdog",
    "WebhookTarget",
    "WhatsAppTarget",
]
