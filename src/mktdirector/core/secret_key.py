"""Where the key of the encrypted secrets table comes from: the first source that is set.

1. `MKTD_SECRET_KEY`: the key itself (one host, CI).
2. `MKTD_SECRET_KEY_FILE`: a file holding it, which must be private (0600 or stricter):
   a key anyone on the host can read protects nothing.
3. `MKTD_SECRET_KEY_AWS_SECRET_ID`: a secret in AWS Secrets Manager (a team: every host reads
   the same key, access is granted by IAM and audited by AWS). boto3 is imported only here;
   region and endpoint come from the usual AWS variables (AWS_REGION / AWS_DEFAULT_REGION,
   AWS_ENDPOINT_URL for a local stand-in). The call ends by a deadline.

A value may hold several Fernet keys separated by commas, newest first: secrets are written
with the first and read with any, so a rotation (`mktd secrets rotate-key`) can run while every
host still works. The key never reaches a message, a log or an exception.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mktdirector.core.errors import ConfigError
from mktdirector.core.redact import register

ENV_KEY = "MKTD_SECRET_KEY"
ENV_FILE = "MKTD_SECRET_KEY_FILE"
ENV_AWS = "MKTD_SECRET_KEY_AWS_SECRET_ID"
AWS_CONNECT_TIMEOUT_S = 5
AWS_READ_TIMEOUT_S = 10


def configured_source() -> str | None:
    """Which source is set (without reading it): for `mktd status` and messages."""
    for name in (ENV_KEY, ENV_FILE, ENV_AWS):
        if os.environ.get(name, "").strip():
            return name
    return None


def load() -> str | None:
    """The key text (one key, or several comma-separated) from the first source set."""
    source = configured_source()
    if source is None:
        return None
    value = os.environ[source].strip()
    if source == ENV_FILE:
        key = _from_file(Path(value).expanduser())
    elif source == ENV_AWS:
        key = _from_aws(value)
    else:
        key = value
    for part in key.split(","):
        register(part.strip())  # redacted from every log line and message from now on
    return key


def _from_file(path: Path) -> str:
    try:
        st = path.stat()
        text = path.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise ConfigError(
            f"Cannot read the secret key file {path} ({e.strerror}).",
            hint=f"Check {ENV_FILE}, or write a key there: mktd init --generate-secret-key",
        ) from None
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise ConfigError(
            f"The secret key file {path} can be read by others "
            f"(mode {stat.S_IMODE(st.st_mode):04o}).",
            hint=f"chmod 600 {path}",
        )
    if not text:
        raise ConfigError(
            f"The secret key file {path} is empty.", hint="mktd init --generate-secret-key"
        )
    return text


def _from_aws(secret_id: str) -> str:
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise ConfigError(
            f"{ENV_AWS} is set but boto3 (AWS support) is not installed.",
            hint='pip install "mktd[aws]"',
        ) from None
    config = Config(
        connect_timeout=AWS_CONNECT_TIMEOUT_S,
        read_timeout=AWS_READ_TIMEOUT_S,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    try:
        client = boto3.client("secretsmanager", config=config)
        answer = client.get_secret_value(SecretId=secret_id)
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "error")
        raise ConfigError(
            f"AWS Secrets Manager refused to give the secret key {secret_id!r} ({code}).",
            hint=f"Check {ENV_AWS}, the region and this host's IAM permission "
            "secretsmanager:GetSecretValue",
        ) from None
    except BotoCoreError as e:
        raise ConfigError(
            f"Cannot read the secret key {secret_id!r} from AWS Secrets Manager "
            f"({type(e).__name__}).",
            hint="Check AWS_REGION / AWS credentials and the network to AWS",
        ) from None
    text = str(answer.get("SecretString") or "").strip()
    if not text:
        raise ConfigError(
            f"The AWS secret {secret_id!r} has no text value.",
            hint="Store the key from mktd init --generate-secret-key as the secret's string",
        )
    return text
