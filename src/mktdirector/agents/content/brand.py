"""Brand voice: `brand.toml` loaded into rules, its hash as its version, and the linter.

The linter checks a text against the brand rules and the platform rules (banned phrases,
length, hashtag count, emoji, CTA presence) and reports each finding with a line reference.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mktdirector.core import inputs
from mktdirector.core.errors import ConfigError, UsageError
from mktdirector.core.platforms import PLATFORMS, TextFormat

HASHTAG = re.compile(r"(?<![\w&/])#(\w{1,100})", re.UNICODE)
# Pictographs, dingbats, flags and the like; enough to count emoji in marketing copy.
EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\U00002b50\U00002b55"
    "\U0000203c\U00002049\U00002122\U00002139\U00002194-\U00002199\U000021a9-\U000021aa]"
)
CTA_WORDS = re.compile(
    r"(?i)\b(learn more|read more|sign up|register|join|download|try|book|subscribe|"
    r"comment|reply|share|follow|dm me|message me|get started|check out|click|visit|"
    r"grab|reserve|apply|contact)\b"
)


@dataclass
class Brand:
    company: str = ""
    audience: str = ""
    tone: list[str] = field(default_factory=list)
    use: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    hashtag_policy: str = "few"  # none | few | free
    hashtag_max: int = 3
    hashtags_always: list[str] = field(default_factory=list)
    emoji_policy: str = "sparingly"  # none | sparingly | free
    emoji_max: int = 2
    cta_style: str = ""
    cta_required: bool = False
    examples: list[dict[str, str]] = field(default_factory=list)
    hash: str = "none"
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rules_text(self) -> str:
        """The brand as prompt text (what every generation is told)."""
        lines = []
        if self.company:
            lines.append(f"Company: {self.company}")
        if self.audience:
            lines.append(f"Audience: {self.audience}")
        if self.tone:
            lines.append(f"Tone: {', '.join(self.tone)}")
        if self.use:
            lines.append(f"Prefer these words: {', '.join(self.use)}")
        if self.avoid:
            lines.append(f"Never use these words or phrases: {', '.join(self.avoid)}")
        tags = {
            "none": "Use no hashtags.",
            "few": f"Use at most {self.hashtag_max} hashtags.",
            "free": "Hashtags as you see fit.",
        }[self.hashtag_policy]
        if self.hashtags_always:
            tags += (
                f" Always include: {' '.join('#' + t.lstrip('#') for t in self.hashtags_always)}."
            )
        lines.append(f"Hashtags: {tags}")
        emoji = {
            "none": "Use no emoji.",
            "sparingly": f"At most {self.emoji_max} emoji.",
            "free": "Emoji as you see fit.",
        }[self.emoji_policy]
        lines.append(f"Emoji: {emoji}")
        if self.cta_style:
            lines.append(f"Call to action style: {self.cta_style}")
        for ex in self.examples[:5]:
            lines.append(
                f"Example post ({ex.get('platform', 'any')}):\n{ex.get('text', '').strip()}"
            )
        return "\n".join(lines)


def _list(data: dict[str, Any], key: str, where: str) -> list[str]:
    v = data.get(key, [])
    if isinstance(v, str):
        return [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError(f"{where}: `{key}` must be a list of strings.", hint="mktd brand edit")
    return v


def parse_brand(raw: bytes, where: str = "brand.toml") -> Brand:
    import hashlib  # here: OpenSSL's _hashlib costs ~2-4 ms to commands that read no brand

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{where} is not valid TOML: {e}.", hint="mktd brand edit") from None
    tags = data.get("hashtags", {}) or {}
    emoji = data.get("emoji", {}) or {}
    cta = data.get("cta", {}) or {}
    if not all(isinstance(x, dict) for x in (tags, emoji, cta)):
        raise ConfigError(
            f"{where}: hashtags, emoji and cta must be tables.", hint="mktd brand edit"
        )
    brand = Brand(
        company=str(data.get("company", "")),
        audience=str(data.get("audience", "")),
        tone=_list(data, "tone", where),
        use=_list(data, "use", where),
        avoid=_list(data, "avoid", where),
        hashtag_policy=str(tags.get("policy", "few")),
        hashtag_max=tags.get("max", 3),
        hashtags_always=_list(tags, "always", where),
        emoji_policy=str(emoji.get("policy", "sparingly")),
        emoji_max=emoji.get("max", 2),
        cta_style=str(cta.get("style", "")),
        cta_required=bool(cta.get("required", False)),
        examples=[e for e in data.get("examples", []) if isinstance(e, dict)],
        hash=hashlib.sha256(raw).hexdigest()[:12],
    )
    if brand.hashtag_policy not in {"none", "few", "free"}:
        raise ConfigError(
            f"{where}: hashtags.policy must be none, few or free.", hint="mktd brand edit"
        )
    if brand.emoji_policy not in {"none", "sparingly", "free"}:
        raise ConfigError(
            f"{where}: emoji.policy must be none, sparingly or free.", hint="mktd brand edit"
        )
    for name in ("hashtag_max", "emoji_max"):
        if not isinstance(getattr(brand, name), int) or getattr(brand, name) < 0:
            raise ConfigError(f"{where}: max values must be whole numbers.", hint="mktd brand edit")
    return brand


# The placeholder company of the template `mktd init` writes (agents/ops/setup.py): a brand
# file still naming it was never filled in, and its voice is not the user's.
TEMPLATE_COMPANY = "Acme Analytics"


def voice_problem(brand: Brand) -> str | None:
    """Why generating in this brand's voice would not sound like the user (None: it would).

    A fresh home has no brand file; `mktd init` writes a template naming an example company.
    Either way the LLM writes in nobody's voice (or Acme's), which nobody should notice only
    after it was published.
    """
    if brand.path is None:
        return "No brand voice: there is no brand.toml, so posts are written in no one's voice."
    if brand.company.strip() == TEMPLATE_COMPANY:
        return (
            f"The brand voice is still the template ({TEMPLATE_COMPANY}): "
            "posts would be written for an example company, not yours."
        )
    if not (brand.company.strip() or brand.audience.strip() or brand.tone or brand.examples):
        return "The brand voice is empty: brand.toml names no company, audience, tone or example."
    return None


def load_brand(path: Path) -> Brand:
    """The brand file, or neutral rules when there is none yet (hash `none`)."""
    if not path.exists():
        return Brand()
    try:
        raw = inputs.read_bytes(path, hint="mktd brand edit")
    except UsageError as e:  # too big, unreadable: the brand file is configuration
        raise ConfigError(e.message, hint=e.hint) from None
    brand = parse_brand(raw, str(path))
    brand.path = str(path)
    return brand


@dataclass
class Finding:
    severity: str  # error | warning | info
    rule: str
    message: str
    line: int = 1
    column: int = 1
    segment: int | None = None  # 1-based thread segment

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        seg = f"post {self.segment}, " if self.segment else ""
        return f"{seg}line {self.line}:{self.column}"


def _pos(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def lint_text(
    text: str, brand: Brand, platform: str, *, segment: int | None = None, whole: bool = True
) -> list[Finding]:
    """Findings for one post or one thread segment. `whole` = checks that apply per post."""
    out: list[Finding] = []
    lower = text.lower()
    for phrase in brand.avoid:
        for m in re.finditer(r"(?<!\w)" + re.escape(phrase.lower()) + r"(?!\w)", lower):
            line, col = _pos(text, m.start())
            out.append(
                Finding(
                    "error",
                    "banned-phrase",
                    f"'{text[m.start() : m.end()]}' is on the brand's avoid list",
                    line,
                    col,
                    segment,
                )
            )
    out += _count_rule(text, HASHTAG, "hashtags", brand.hashtag_policy, "few",
                       brand.hashtag_max, "error", segment)  # fmt: skip
    out += _count_rule(text, EMOJI, "emoji", brand.emoji_policy, "sparingly",
                       brand.emoji_max, "warning", segment)  # fmt: skip
    out.extend(_length(text, platform, segment))
    return out


def _count_rule(
    text: str, pattern: re.Pattern[str], rule: str, policy: str, limited: str, most: int,
    over_severity: str, segment: int | None,
) -> list[Finding]:  # fmt: skip
    """`none`: any match is an error; the `limited` policy: more than `most` is a finding."""
    found = list(pattern.finditer(text))
    if policy == "none" and found:
        line, col = _pos(text, found[0].start())
        return [Finding("error", rule, f"the brand uses no {rule}", line, col, segment)]
    if policy == limited and len(found) > most:
        line, col = _pos(text, found[most].start())
        message = f"{len(found)} {rule}; the brand allows at most {most}"
        return [Finding(over_severity, rule, message, line, col, segment)]
    return []


def _length(text: str, platform: str, segment: int | None) -> list[Finding]:
    spec = PLATFORMS.get(platform)
    if spec is None or spec.max_chars is None:
        return []
    if spec.text_format == TextFormat.THREAD:
        from mktdirector.core.xtext import weighted_length

        n = weighted_length(text)
        if n > spec.max_chars:
            message = f"{n}/{spec.max_chars} weighted characters (URLs count 23, emoji and CJK 2)"
            return [Finding("error", "length", message, 1, 1, segment)]
    elif spec.text_format == TextFormat.COMMENTARY:
        from mktdirector.core.linkedin_text import linkedin_length

        n = linkedin_length(text)
        if n > spec.max_chars:
            return [Finding("error", "length", f"{n}/{spec.max_chars} characters", 1, 1, segment)]
    return []


def has_cta(text: str) -> bool:
    from mktdirector.core.urls import extract_urls

    tail = text.strip()[-300:]
    return bool(extract_urls(text)) or tail.endswith("?") or bool(CTA_WORDS.search(tail))


def lint_draft(body: Any, kind: str, platform: str, brand: Brand) -> list[Finding]:
    """Lint a draft body: one post, a thread (list of segments) or an email dict."""
    findings: list[Finding] = []
    if kind == "email":
        subject = str(body.get("subject", ""))
        if not subject.strip():
            findings.append(Finding("error", "subject", "the email has no subject"))
        elif len(subject) > 78:
            findings.append(
                Finding(
                    "warning",
                    "subject",
                    f"subject is {len(subject)} characters; most clients cut it near 60-78",
                )
            )
        text = str(body.get("text", ""))
        findings += lint_text(subject, brand, "email")
        findings += [f for f in lint_text(text, brand, "email") if f.rule != "hashtags"]
        if brand.cta_required and not has_cta(text):
            findings.append(Finding("warning", "cta", "no call to action found"))
        return findings
    segments = list(body)
    if not segments or not any(s.strip() for s in segments):
        return [Finding("error", "empty", "the draft has no text")]
    multi = len(segments) > 1
    for i, seg in enumerate(segments, 1):
        findings += lint_text(seg, brand, platform, segment=i if multi else None)
    whole = "\n\n".join(segments)
    if brand.cta_required and not has_cta(whole):
        findings.append(
            Finding(
                "warning",
                "cta",
                "no call to action found (question, link or an ask like 'sign up')",
                segment=len(segments) if multi else None,
            )
        )
    for tag in brand.hashtags_always:
        if f"#{tag.lstrip('#').lower()}" not in whole.lower():
            findings.append(
                Finding("warning", "hashtags", f"missing the brand hashtag #{tag.lstrip('#')}")
            )
    return findings


def has_errors(findings: list[Finding] | list[dict[str, Any]]) -> bool:
    return any(
        (f.severity if isinstance(f, Finding) else f.get("severity")) == "error" for f in findings
    )
