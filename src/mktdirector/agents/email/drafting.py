"""The `email draft` flow: an email from a topic (LLM) or from the user's own subject and body,
composed in the brand voice, linted and saved as a draft.

Front ends (the CLI today, the web API next) parse their input into an `EmailDraftRequest`,
call `draft_email` and render the `DraftView` it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mktdirector.agents.content import compose
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.content.drafts import DraftView
from mktdirector.core.errors import UsageError
from mktdirector.llm import LLM
from mktdirector.store import StoreLike


@dataclass(frozen=True)
class EmailDraftRequest:
    """Either a topic the LLM writes about, or a subject with a body file (never both)."""

    topic: str | None = None
    subject: str | None = None
    body_file: Path | None = None
    preheader: str = ""  # with a subject only; the LLM writes its own
    style: str = "professional"
    include_cta: bool = True
    campaign: str | None = None  # utm_campaign for the links


def draft_email(
    store: StoreLike,
    brand: Brand,
    llm: Callable[[], LLM],
    request: EmailDraftRequest,
    *,
    read_text: Callable[[Path], str],
) -> DraftView:
    """Compose, lint and save one email draft.

    `llm` is asked for only when a topic needs writing, so a user with their own subject and
    body needs no LLM configured. `read_text` is the front end's way of reading a named file
    ('-' for stdin on the CLI), with its own error wording.
    """
    topic, subject = request.topic, request.subject
    if (topic is None) == (subject is None):
        raise UsageError("Give --topic, or --subject with --body-file.",
                         hint='mktd email draft --topic "Course launch"')  # fmt: skip
    if topic is not None:
        composed = compose.compose_from_topic(llm(), brand, platform="email", topic=topic,
                                              style=request.style,
                                              include_cta=request.include_cta)  # fmt: skip
    else:
        if request.body_file is None:
            raise UsageError("--subject needs --body-file.", hint="--body-file email.txt")
        composed = compose.compose_email_from_text(brand, subject=subject or "",
                                                   preheader=request.preheader,
                                                   text=read_text(request.body_file))  # fmt: skip
    # An empty --topic counts as no topic for the record (as it always has): the draft is
    # filed under its subject, with the text as its source.
    return compose.save(store, brand, composed, topic=topic or subject, style=request.style,
                        source="llm" if topic else "file", campaign=request.campaign)  # fmt: skip
