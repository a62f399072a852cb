"""The OAuth app as mktd sees it: each platform's provider facts (from the platform table) and the
user's registered app resolved from the environment and config."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mktdirector.core import errors as E
from mktdirector.core.platforms import PLATFORMS, OAuthFacts, PlatformSpec, url_override
from mktdirector.core.redact import register

ConfigGetter = Callable[[str], Any]


@dataclass(frozen=True)
class Provider:
    """A platform's OAuth facts (from its `PlatformSpec`) with the names messages use."""

    platform: str
    label: str
    authorize_url: str
    token_url: str
    revoke_url: str | None
    scopes: tuple[str, ...]
    client_id_env: str
    client_secret_env: str
    pkce_required: bool
    # How a confidential client (one with a secret) authenticates at the token endpoint.
    secret_auth: str
    docs: str
    host_env: str | None = None  # the env name that moves the login host (Salesforce)
    token_extras: tuple[str, ...] = ()  # token answer fields kept with the connection


def _provider(spec: PlatformSpec, oauth: OAuthFacts) -> Provider:
    return Provider(
        platform=spec.id,
        label=spec.name,
        authorize_url=oauth.authorize_url,
        token_url=oauth.token_url,
        revoke_url=oauth.revoke_url,
        scopes=oauth.scopes,
        client_id_env=oauth.client_id_env,
        client_secret_env=oauth.client_secret_env,
        pkce_required=oauth.pkce_required,
        secret_auth=oauth.secret_auth,
        docs=spec.docs or f"docs/integrations/{spec.id}.md",
        host_env=oauth.host_env,
        token_extras=oauth.token_extras,
    )


# The OAuth platforms with a client; their facts are declared in the platform table.
PROVIDERS: dict[str, Provider] = {
    spec.id: _provider(spec, spec.oauth)
    for spec in PLATFORMS.values()
    if spec.oauth is not None and spec.ready
}
LINKEDIN_ANALYTICS_SCOPE = "r_member_postAnalytics"


@dataclass(frozen=True)
class OAuthApp:
    """The user's registered app, resolved from the environment and config."""

    provider: Provider
    client_id: str
    client_secret: str | None
    authorize_url: str
    token_url: str
    revoke_url: str | None
    scopes: tuple[str, ...]
    pkce: bool

    @property
    def platform(self) -> str:
        return self.provider.platform


def config_value(config: ConfigGetter | None, key: str, default: Any = None) -> Any:
    """A config value, or `default` when the key is unset or not declared in this version."""
    if config is None:
        return default
    try:
        value = config(key)
    except E.UsageError:  # key not declared (yet) in core/config.py
        return default
    return default if value is None else value


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def with_host(url: str, host: str | None) -> str:
    """`url` with its scheme and host replaced by `host` ("test.salesforce.com" or a URL)."""
    if not host:
        return url
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = "https://" + host
    scheme, _, rest = url.partition("://")
    return host + "/" + rest.partition("/")[2] if rest else url


def resolve_app(
    platform: str,
    config: ConfigGetter | None = None,
    *,
    client_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> OAuthApp:
    """The app for `platform`: client id/secret from the brief's env names, URLs overridable.

    `client_id` is the one stored with a connection at authorize time: a refresh must use
    the app that issued the token even where the environment no longer names it.
    """
    env = os.environ if environ is None else environ
    p = PROVIDERS[platform]
    cid = env.get(p.client_id_env, "").strip() or (client_id or "")
    secret = env.get(p.client_secret_env, "").strip() or None
    if not cid:
        raise E.ConfigError(
            f"{p.client_id_env} is not set: mktd needs your {p.label} app's client id.",
            hint=f"Create an app ({p.docs}), then export {p.client_id_env}=... (or put it in .env)",
        )
    register(secret)
    pkce = p.pkce_required or _truthy(
        env.get("MKTD_LINKEDIN_PKCE") or config_value(config, f"{platform}.pkce", False)
    )
    if not pkce and not secret:
        raise E.ConfigError(
            f"{p.client_secret_env} is not set: {p.label}'s standard flow needs the client secret.",
            hint=f"export {p.client_secret_env}=... (from the app's Auth tab, see {p.docs})",
        )
    # A login host chosen by the user (Salesforce sandboxes, My Domain) moves all three URLs.
    login_host = env.get(p.host_env, "").strip() if p.host_env else ""
    default_token = with_host(p.token_url, login_host)
    token_url = (
        url_override(platform, "token")
        or config_value(config, f"{platform}.token_url")
        or default_token
    )
    revoke_url = with_host(p.revoke_url, login_host) if p.revoke_url else None
    if revoke_url and token_url != default_token:
        # An overridden token endpoint (sandbox, emulator) gets its sibling revoke endpoint.
        revoke_url = token_url.rsplit("/", 1)[0] + "/" + revoke_url.rsplit("/", 1)[1]
    scopes = p.scopes
    if platform == "linkedin" and _truthy(config_value(config, "linkedin.post_analytics", False)):
        scopes = (*scopes, LINKEDIN_ANALYTICS_SCOPE)
    return OAuthApp(
        provider=p,
        client_id=cid,
        client_secret=secret,
        authorize_url=url_override(platform, "auth")
        or config_value(config, f"{platform}.auth_url")
        or with_host(p.authorize_url, login_host),
        token_url=token_url,
        revoke_url=revoke_url,
        scopes=scopes,
        pkce=pkce,
    )
