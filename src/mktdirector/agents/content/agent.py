"""The content agent: LinkedIn posts, X threads and marketing emails in the brand's voice."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mktdirector.agents.content.brand import Brand
from mktdirector.core.errors import UsageError
from mktdirector.core.platforms import Capability, TextFormat, text_format, with_capability

if TYPE_CHECKING:  # `mktd social --text` uses body_from_text only: no LLM modules (issue 17)
    from mktdirector.agents.content.generation import Generated
    from mktdirector.llm import LLM

STYLES = {
    "professional": "clear, credible, data-minded; no slang",
    "casual": "conversational and warm, like talking to a peer",
    "storytelling": "open with a concrete moment, build to the lesson",
    "contrarian": "challenge a common belief, then back it up",
}
MAX_THREAD = 25


def content_channels() -> list[str]:
    """What content is written for: every social platform in the platform table, then email."""
    return [*with_capability(Capability.SOCIAL), "email"]


def check_style(style: str) -> str:
    if style not in STYLES:
        raise UsageError(f"Unknown style {style!r}.", hint=f"Use one of: {', '.join(STYLES)}")
    return style


def _cta_rule(include_cta: bool, brand: Brand) -> str:
    if not include_cta:
        return "Do not end with a call to action."
    style = f" ({brand.cta_style})" if brand.cta_style else ""
    return f"End with one call to action{style}."


def linkedin_post(
    llm: LLM,
    brand: Brand,
    *,
    topic: str,
    style: str = "professional",
    include_cta: bool = True,
    on_text: Callable[[str], None] | None = None,
) -> tuple[list[str], Generated]:
    """Generate one LinkedIn post; returns its body (one segment) and the generation."""
    from mktdirector.agents.content.generation import run_prompt
    from mktdirector.core.linkedin_text import LINKEDIN_MAX_CHARS, linkedin_length

    def validate(text: Any) -> str | None:
        t = str(text).strip()
        if not t:
            return "the post is empty"
        n = linkedin_length(t)
        return (
            f"the post is {n} characters; the limit is {LINKEDIN_MAX_CHARS}"
            if n > LINKEDIN_MAX_CHARS
            else None
        )

    gen = run_prompt(
        llm,
        brand,
        "linkedin_post",
        purpose="linkedin_post",
        validate=validate,
        on_text=on_text,
        topic=topic,
        style=check_style(style),
        style_help=STYLES[style],
        cta_rule=_cta_rule(include_cta, brand),
    )
    return [gen.completion.text.strip()], gen


def thread_schema(n: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "posts": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "minItems": n,
                "maxItems": n,
            }
        },
        "required": ["posts"],
        "additionalProperties": False,
    }


def number_segments(posts: list[str]) -> list[str]:
    n = len(posts)
    return (
        [p.strip() for p in posts]
        if n == 1
        else [f"{p.strip()} {i}/{n}" for i, p in enumerate(posts, 1)]
    )


def x_thread(
    llm: LLM,
    brand: Brand,
    *,
    topic: str,
    thread_length: int = 5,
    style: str = "professional",
    include_cta: bool = True,
    on_text: Callable[[str], None] | None = None,
) -> tuple[list[str], Generated]:
    """Generate an X thread of exactly `thread_length` posts, each within 280 with numbering.
    `on_text` sees the reply's JSON as it streams (the dashboard shows it post by post)."""
    from mktdirector.agents.content.generation import run_prompt
    from mktdirector.core.xtext import X_MAX_WEIGHTED_LENGTH, weighted_length

    if not 1 <= thread_length <= MAX_THREAD:
        raise UsageError(f"--thread-length must be 1..{MAX_THREAD}.", hint="e.g. --thread-length 5")
    suffix = len(f" {thread_length}/{thread_length}") if thread_length > 1 else 0
    limit = X_MAX_WEIGHTED_LENGTH - suffix

    def validate(data: Any) -> str | None:
        for i, post in enumerate(data["posts"], 1):
            n = weighted_length(post.strip())
            if n > limit:
                return f"post {i} is {n} weighted characters; the limit is {limit}"
        return None

    gen = run_prompt(
        llm,
        brand,
        "x_thread",
        purpose="x_thread",
        schema=thread_schema(thread_length),
        validate=validate,
        on_text=on_text,
        topic=topic,
        thread_length=thread_length,
        segment_limit=limit,
        style=check_style(style),
        style_help=STYLES[style],
        cta_rule=_cta_rule(include_cta, brand),
    )
    return number_segments(gen.data["posts"]), gen


EMAIL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "subject": {"type": "string", "minLength": 1, "maxLength": 150},
        "preheader": {"type": "string"},
        "text": {"type": "string", "minLength": 1},
    },
    "required": ["subject", "preheader", "text"],
    "additionalProperties": False,
}


def marketing_email(
    llm: LLM,
    brand: Brand,
    *,
    topic: str,
    style: str = "professional",
    include_cta: bool = True,
) -> tuple[dict[str, Any], Generated]:
    """Generate an email: subject, preheader, text body, and simple HTML made from the text."""
    from mktdirector.agents.content.drafts import text_to_html
    from mktdirector.agents.content.generation import run_prompt

    gen = run_prompt(
        llm,
        brand,
        "email",
        purpose="email",
        schema=EMAIL_SCHEMA,
        topic=topic,
        style=check_style(style),
        style_help=STYLES[style],
        cta_rule=_cta_rule(include_cta, brand),
    )
    d = gen.data
    body = {
        "subject": d["subject"].strip(),
        "preheader": d["preheader"].strip(),
        "text": d["text"].strip(),
        "html": text_to_html(d["text"]),
    }
    return body, gen


def body_from_text(
    platform: str, text: str, *, thread: bool | None = None
) -> tuple[str, list[str]]:
    """Turn user-given text into (kind, segments): X text over 280 or with `---` lines is split."""
    text = text.strip()
    if not text:
        raise UsageError("The text is empty.", hint="Pass --text 'your post' or --text-file FILE")
    if "\x00" in text:  # never meant; platforms refuse it or cut the post there
        raise UsageError("The text contains a NUL byte.", hint="Remove the NUL byte and retry")
    if text_format(platform) == TextFormat.THREAD:
        # Only X's text rules split threads (~2.7 ms with html): not loaded for LinkedIn's text.
        from mktdirector.core.xtext import (
            MAX_THREAD_POSTS,
            ThreadSplitError,
            segments_from_markers,
            split_thread,
        )

        try:
            if "\n---" in f"\n{text}":
                segs = segments_from_markers(text, numbering=True)
                if len(segs) > MAX_THREAD_POSTS:
                    raise ThreadSplitError(f"text needs more than {MAX_THREAD_POSTS} posts")
            else:
                segs = split_thread(text, numbering=True, max_segments=MAX_THREAD_POSTS)
        except ThreadSplitError as e:
            if "more than" in str(e):
                raise UsageError(
                    f"This text makes a thread of more than {MAX_THREAD_POSTS} posts; "
                    f"X readers rarely follow a thread past ~{MAX_THREAD_POSTS}.",
                    hint="Shorten the text, or post it as several threads",
                ) from None
            raise UsageError(
                f"Cannot make a thread of this text: {e}.",
                hint="Shorten the posts, or separate them with lines of ---",
            ) from None
        return ("thread" if len(segs) > 1 else "post"), segs
    # Every other platform's text is one post, checked by LinkedIn's rules (the commentary format).
    from mktdirector.core.linkedin_text import LINKEDIN_MAX_CHARS, linkedin_length

    n = linkedin_length(text)
    if n > LINKEDIN_MAX_CHARS:
        raise UsageError(
            f"The post is {n} characters; LinkedIn allows {LINKEDIN_MAX_CHARS}.",
            hint="Shorten the text (mktd brand lint FILE --platform linkedin shows it)",
        )
    return "post", [text]
