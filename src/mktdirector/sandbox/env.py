"""Who exists in the sandbox, its static dev credentials, and the environment that points mktd at it.

`sandbox_env(base_url, state_dir)` is the mapping `mktd sandbox env` prints and tests pass to
monkeypatch: every platform's `MKTD_<P>_BASE_URL` (and OAuth `_AUTH_URL` / `_TOKEN_URL`), the
sandbox apps' client ids and secret, a ready token per platform, and for GA4 a service-account
key file generated into the state dir (RSA, via `cryptography`) whose `token_uri` is the
sandbox. None of these values works anywhere but the sandbox.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# The accounts behind every credential (one per platform).
X_USER = {"id": "1700000000000000001", "username": "mktd_sandbox", "name": "mktd Sandbox"}
LINKEDIN_MEMBER = {
    "sub": "sAnDb0x1",
    "name": "Sandy Box",
    "given_name": "Sandy",
    "family_name": "Box",
    "email": "sandy@sandbox.mktd.test",
}
HUBSPOT_PORTAL = 24681357
GA_PROPERTY = "987654321"
GA_PROJECT = "mktd-sandbox"
GA_EMAIL = f"mktd-analytics@{GA_PROJECT}.iam.gserviceaccount.com"
SENDGRID_FROM = "marketing@sandbox.mktd.test"
SALESFORCE_ORG = "00DSB0000000001AAA"
SALESFORCE_USER = {"Id": "005SB0000000001AAA", "Username": "sandy@sandbox.mktd.test",
                   "Name": "Sandy Box", "Email": "sandy@sandbox.mktd.test"}  # fmt: skip

# OAuth apps registered in the sandbox. X's is a public client (Native App: PKCE, no secret);
# LinkedIn's is confidential (the standard 3-legged flow needs the secret).
X_CLIENT_ID = "sandbox-x-client"
LINKEDIN_CLIENT_ID = "sandbox-linkedin-client"
LINKEDIN_CLIENT_SECRET = "sandbox-linkedin-secret-0000000000000001"
# Salesforce's is confidential with PKCE (an External Client App's web-server flow).
SALESFORCE_CLIENT_ID = "sandbox-salesforce-client"
SALESFORCE_CLIENT_SECRET = "sfsecret-7Qm2xVb9Lk4Rt8Wz3Np6Hd1Jc5Fg0Ys"

X_SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write")
LINKEDIN_SCOPES = ("openid", "profile", "email", "w_member_social", "r_member_postAnalytics")
SENDGRID_SCOPES = (
    "mail.send",
    "mail.batch.create",
    "mail.batch.read",
    "mail.batch.update",
    "mail.batch.delete",
    "user.scheduled_sends.create",
    "user.scheduled_sends.read",
    "user.scheduled_sends.update",
    "user.scheduled_sends.delete",
    "stats.read",
    "stats.global.read",
    "categories.stats.read",
    "categories.stats.sums.read",
)

# Mailchimp's key is an HTTP Basic password ending in its data centre (checked in its room).
MAILCHIMP_KEY = "0sandbox0mailchimp0key0000000001-us1"

# Static dev tokens: what `mktd sandbox env` exports. Each maps to (platform, user, scopes, kind).
STATIC_TOKENS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "sbx-x-user-token-0000000000000001": ("x", X_USER["id"], X_SCOPES, "user"),
    "sbx-x-app-bearer-0000000000000001": ("x", "", (), "app"),
    "sbx-linkedin-token-0000000000000001": (
        "linkedin",
        LINKEDIN_MEMBER["sub"],
        LINKEDIN_SCOPES,
        "user",
    ),
    "sbx-hubspot-token-0000000000000001": ("hubspot", str(HUBSPOT_PORTAL), (), "app"),
    "sbx-sendgrid-key-0000000000000001": ("sendgrid", "sandbox", SENDGRID_SCOPES, "app"),
    "sbx-salesforce-token-0000000000000001": (
        "salesforce",
        SALESFORCE_USER["Id"],
        ("api", "refresh_token"),
        "user",
    ),
}
TOKEN_ENV = {
    "TWITTER_ACCESS_TOKEN": "sbx-x-user-token-0000000000000001",
    "TWITTER_BEARER_TOKEN": "sbx-x-app-bearer-0000000000000001",
    "LINKEDIN_ACCESS_TOKEN": "sbx-linkedin-token-0000000000000001",
    "HUBSPOT_API_KEY": "sbx-hubspot-token-0000000000000001",
    "SENDGRID_API_KEY": "sbx-sendgrid-key-0000000000000001",
    "SALESFORCE_ACCESS_TOKEN": "sbx-salesforce-token-0000000000000001",
    "MAILCHIMP_API_KEY": MAILCHIMP_KEY,
}
# URL prefix of each platform below the sandbox's base URL (MKTD_<P>_BASE_URL = base + prefix).
PREFIX = {
    "TWITTER": "/x",
    "LINKEDIN": "/linkedin",
    "HUBSPOT": "/hubspot",
    "GOOGLE_ANALYTICS": "/ga",
    "SENDGRID": "/sendgrid",
    "SALESFORCE": "/salesforce",
    "MAILCHIMP": "/mailchimp",  # the client adds /3.0, as after https://<dc>.api.mailchimp.com
}
SERVICE_ACCOUNT_FILE = "ga-service-account.json"


def sandbox_env(base_url: str, state_dir: Path | str, *, tokens: bool = True) -> dict[str, str]:
    """The environment that points mktd at a sandbox listening on `base_url`.

    `tokens=False` leaves out the ready tokens, so `mktd authorize` goes through the sandbox's
    OAuth pages instead. Writes (or updates) the GA4 service-account key in `state_dir`.
    """
    base = base_url.rstrip("/")
    env = {f"MKTD_{p}_BASE_URL": base + prefix for p, prefix in PREFIX.items()}
    for platform, short in (
        ("TWITTER", "x"),
        ("LINKEDIN", "linkedin"),
        ("SALESFORCE", "salesforce"),
    ):
        env[f"MKTD_{platform}_AUTH_URL"] = f"{base}/oauth/{short}/authorize"
        env[f"MKTD_{platform}_TOKEN_URL"] = f"{base}/oauth/{short}/token"
    env["MKTD_GOOGLE_ANALYTICS_TOKEN_URL"] = f"{base}/oauth/ga/token"
    env.update(
        TWITTER_CLIENT_ID=X_CLIENT_ID,
        LINKEDIN_CLIENT_ID=LINKEDIN_CLIENT_ID,
        LINKEDIN_CLIENT_SECRET=LINKEDIN_CLIENT_SECRET,
        GOOGLE_ANALYTICS_PROPERTY_ID=GA_PROPERTY,
        GOOGLE_ANALYTICS_CREDENTIALS_PATH=str(
            write_service_account(Path(state_dir), f"{base}/oauth/ga/token")
        ),
        SENDGRID_FROM_EMAIL=SENDGRID_FROM,
        SALESFORCE_CLIENT_ID=SALESFORCE_CLIENT_ID,
        SALESFORCE_CLIENT_SECRET=SALESFORCE_CLIENT_SECRET,
    )
    if tokens:
        env.update(TOKEN_ENV)
        env["SALESFORCE_INSTANCE_URL"] = base + PREFIX["SALESFORCE"]
    return env


def service_account_path(state_dir: Path) -> Path:
    return state_dir / SERVICE_ACCOUNT_FILE


def write_service_account(state_dir: Path, token_uri: str) -> Path:
    """The GA4 key file: generated once per state dir, its `token_uri` kept current."""
    path = service_account_path(state_dir)
    info: dict[str, Any] | None = None
    if path.is_file():
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = None
    if info is None or not info.get("private_key"):
        info = _new_service_account()
    if info.get("token_uri") == token_uri and path.is_file():
        return path
    info["token_uri"] = token_uri
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2)
    os.replace(tmp, path)
    return path


_KEY_PEM: list[str] = []  # one RSA key per process is enough for sandboxes (tests start many)


def _new_service_account() -> dict[str, Any]:
    # cryptography is imported only here: generating a key costs ~50 ms, once per process.
    import secrets

    if not _KEY_PEM:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _KEY_PEM.append(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode("ascii")
        )
    pem = _KEY_PEM[0]
    return {
        "type": "service_account",
        "project_id": GA_PROJECT,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": GA_EMAIL,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    }


def shell_lines(env: dict[str, str]) -> list[str]:
    """`export NAME=value` lines, quoted for POSIX shells."""
    import shlex

    return [f"export {k}={shlex.quote(v)}" for k, v in env.items()]
