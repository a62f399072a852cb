"""Where alerts go besides the in-tool list: a Slack incoming webhook and email via SendGrid.

Slack goes through the HTTP choke point as platform `slack` (audited, rate-limited, retried).
The webhook URL is the secret: the audit row gets a path template (`/services/{s1}/{s2}/{s3}`)
and the URL is registered for redaction. A webhook post has no idempotency key; it is retried
on 5xx and timeouts anyway, because a repeated alert is better than a lost one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from mktdirector.core.errors import ConfigError
from mktdirector.core.redact import register

MAX_LISTED = 20  # alerts listed in one message; the rest are counted
SLACK_BUDGET_S = 10.0  # wait at most this long for Slack's 1-message-per-second limit
ICON = {"error": ":red_circle:", "warning": ":large_orange_circle:", "info": ":information_source:"}


def _esc(text: str) -> str:
    # Slack mrkdwn treats &, < and > as control characters.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _title(alerts: Sequence[Mapping[str, Any]], test: bool) -> str:
    if test:
        return "mktd: test alert"
    n = len(alerts)
    return f"mktd: {n} alert{'s' if n != 1 else ''}"


def slack_payload(alerts: Sequence[Mapping[str, Any]], *, test: bool = False) -> dict[str, Any]:
    """An incoming-webhook message: `text` (notification fallback) plus Block Kit `blocks`."""
    title = _title(alerts, test)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}}
    ]
    for a in alerts[:MAX_LISTED]:
        icon = ICON.get(a.get("severity") or "error", ICON["error"])
        text = f"{icon} *{_esc(a['subject'])}*\n{_esc(a['message'])}"
        if a.get("hint"):
            text += f"\nFix: `{_esc(a['hint'])}`"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
        where = " · ".join(
            str(x) for x in (a.get("kind"), a.get("platform"), a.get("account"), a.get("created_utc"))
            if x
        )  # fmt: skip
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _esc(where)}]})
    more = len(alerts) - MAX_LISTED
    if more > 0:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"…and {more} more: `mktd notifications`"},
            }
        )
    first = alerts[0]["subject"] if alerts else ""
    return {"text": f"{title}: {first}" if first else title, "blocks": blocks}


def email_text(alerts: Sequence[Mapping[str, Any]], *, test: bool = False) -> tuple[str, str]:
    """(subject, plain-text body) of an alert email."""
    title = _title(alerts, test)
    subject = f"{title}: {alerts[0]['subject']}" if alerts else title
    lines = []
    for a in alerts[:MAX_LISTED]:
        lines += [f"[{(a.get('severity') or 'error').upper()}] {a['subject']}", a["message"]]
        if a.get("hint"):
            lines.append(f"Fix: {a['hint']}")
        lines.append("")
    if len(alerts) > MAX_LISTED:
        lines.append(f"…and {len(alerts) - MAX_LISTED} more: run `mktd notifications`.")
    lines.append("Acknowledge them with `mktd notifications ack`.")
    return subject[:200], "\n".join(lines)


class SlackChannel:
    """Posts alerts to a Slack incoming webhook (SLACK_WEBHOOK_URL)."""

    name = "slack"

    def __init__(self, url: str, http_factory: Callable[..., Any]) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                "SLACK_WEBHOOK_URL is not a URL.",
                hint="Copy the webhook URL from Slack: Apps → Incoming Webhooks",
            )
        register(url.strip(), *[s for s in parts.path.split("/") if len(s) >= 8])
        self._base = f"{parts.scheme}://{parts.netloc}"
        segments = [s for s in parts.path.split("/") if s]
        # Only Slack's fixed first segment stays literal: the rest of the path is the secret.
        self._template = "/" + "/".join(
            s if i == 0 and s == "services" else f"{{s{i}}}" for i, s in enumerate(segments)
        )
        self._params = {f"s{i}": s for i, s in enumerate(segments)}
        self._query = parts.query
        self._http_factory = http_factory

    def send(self, alerts: Sequence[Mapping[str, Any]], *, test: bool = False) -> str:
        payload = slack_payload(alerts, test=test)
        with self._http_factory(platform="slack", base_url=self._base) as http:
            response = http.request(
                "POST",
                self._template,
                path_params=self._params,
                params=self._query or None,
                json=payload,
                idempotent=True,
                budget=SLACK_BUDGET_S,
            )
        return f"HTTP {response.status_code}"


class EmailChannel:
    """Mails alerts to `alerts.email` (MKTD_ALERT_EMAIL) through SendGrid."""

    name = "email"

    def __init__(self, to: str, from_email: str | None, client: Callable[[], Any]) -> None:
        self.to = to
        self.from_email = from_email
        self._client = client

    def send(self, alerts: Sequence[Mapping[str, Any]], *, test: bool = False) -> str:
        from mktdirector.integrations.email_models import EmailMessage

        if not self.from_email:
            raise ConfigError(
                "Alert emails need a sender: SENDGRID_FROM_EMAIL is not set.",
                hint="export SENDGRID_FROM_EMAIL=alerts@yourdomain.com (a verified SendGrid sender)",
            )
        name, addr = parse_sender(self.from_email)
        subject, text = email_text(alerts, test=test)
        message = EmailMessage(
            from_email=addr,
            from_name=name or "mktd alerts",
            subject=subject,
            to=[self.to],
            text=text,
            categories=["mktd-alert"],
        )
        result = self._client().send(message)
        return f"message id {result.message_id or '(none)'}"


def parse_sender(value: str) -> tuple[str | None, str]:
    """`Name <addr>` or `addr` as (name, address)."""
    value = value.strip()
    if value.endswith(">") and "<" in value:
        name, _, addr = value[:-1].rpartition("<")
        return name.strip().strip('"') or None, addr.strip()
    return None, value
