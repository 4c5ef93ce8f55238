"""E-mail over SMTP, configured by one URL (``ATENDE_SMTP_URL``)::

    smtp://USER:PASSWORD@HOST:587?starttls=1&from=alerts@example.com
    smtps://USER:PASSWORD@HOST:465?from=alerts@example.com      (TLS from the first byte)
    smtp://127.0.0.1:25?starttls=0&from=atende@localhost          (no login, no TLS)

``starttls`` defaults to on for ``smtp://`` (a server that does not offer it is refused:
no password in the clear), ``from`` to ``atende@HOST``, ``timeout`` to 10 seconds;
``cafile=/path/ca.pem`` trusts a private certificate authority besides the system's.
User and password are percent-decoded (``%40`` for an ``@``). Nothing said about a
failure names the password: ``SmtpConfig``'s repr and every ``NotifyError`` show the
host and port only.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from atende.errors import ConfigurationError, NotifyError

_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    tls: bool = False  # smtps://: implicit TLS
    timeout: float = 10.0
    cafile: str | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, url: str) -> SmtpConfig:
        """Read ``ATENDE_SMTP_URL``; a ``ConfigurationError`` that never quotes it."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise ConfigurationError("ATENDE_SMTP_URL: not a URL") from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigurationError("ATENDE_SMTP_URL: smtp://[user:password@]host[:port]?from=…")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls = parts.scheme == "smtps"
        starttls = not tls and query.get("starttls", "1").lower() in _TRUE
        try:
            timeout = float(query.get("timeout", "10"))
        except ValueError:
            raise ConfigurationError("ATENDE_SMTP_URL: timeout is a number of seconds") from None
        sender = query.get("from") or f"atende@{parts.hostname}"
        if "@" not in sender:
            raise ConfigurationError("ATENDE_SMTP_URL: from= must be an e-mail address")
        return cls(
            host=parts.hostname,
            port=port or (465 if tls else 587),
            sender=sender,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            starttls=starttls,
            tls=tls,
            timeout=timeout,
            cafile=query.get("cafile") or None,
        )


def compose(config: SmtpConfig, to: list[str], subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(to)
    message["Subject"] = " ".join(subject.split())[:200]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.sender.rsplit("@", 1)[-1])
    message.set_content(body)
    return message


def send_mail(config: SmtpConfig, to: list[str], subject: str, body: str) -> None:
    """Send one e-mail to ``to``; ``NotifyError`` naming the server, never the password."""
    message = compose(config, to, subject, body)
    try:
        with _connect(config) as client:
            if config.starttls:
                client.starttls(context=_tls(config))
                client.ehlo()
            if config.username:
                client.login(config.username, config.password or "")
            client.send_message(message)
    except smtplib.SMTPNotSupportedError:
        raise NotifyError(f"SMTP {config.where} offers no STARTTLS (starttls=0 to allow)") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise NotifyError(f"SMTP {config.where} refused the login ({exc.smtp_code})") from None
    except smtplib.SMTPResponseException as exc:
        raise NotifyError(f"SMTP {config.where} answered {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise NotifyError(f"SMTP {config.where}: {exc.__class__.__name__}") from None


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.tls:
        context = _tls(config)
        return smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


def _tls(config: SmtpConfig) -> ssl.SSLContext:
    """Certificates checked, always; ``cafile`` adds a private authority."""
    context = ssl.create_default_context()
    if config.cafile:
        context.load_verify_locations(cafile=config.cafile)
    return context
