"""X (Twitter) text rules: weighted length, thread splitting and read-back matching.

Thread numbering format: when a text needs more than one post, every segment gets the
suffix ``" {i}/{N}"`` (a space, then e.g. ``1/5``) appended to its last line. A text that
fits in one post is returned unchanged (stripped) with no suffix.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from mktdirector.core.text_limits import X_MAX_WEIGHTED_LENGTH as X_MAX_WEIGHTED_LENGTH
from mktdirector.core.urls import url_spans

# A split point is only taken early (at a stronger boundary) if the post is at least this
# full; otherwise we keep filling, so a short paragraph does not waste a whole post.
_MIN_FILL = 0.5

_PARAGRAPH, _LINE, _SENTENCE, _WORD, _CJK, _INTRA = 5, 4, 3, 2, 1, 0
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_CJK_STOP = frozenset("。！？")
_CJK_COMMA = frozenset("、，；：")
# Kinsoku: characters that must not start a line / end a line in CJK typesetting.
_NO_START = frozenset(
    "、。，．！？：；」』）】〕〉》〙〗ー々ゝゞぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ・"
)
_NO_END = frozenset("「『（【〔〈《〘〖")
_MARKER_LINE = re.compile(r"^[ \t]*---[ \t]*\r?$", re.MULTILINE)
_WS = re.compile(r"\s+")
_INVALID = re.compile("[\ufffe\ufeff\uffff]")  # the characters X rejects outright
_NOT_WS = re.compile(r"\S+")
URL_PLACEHOLDER = "<url>"
# X readers follow a thread for about this many posts; a longer text is refused, not split.
MAX_THREAD_POSTS = 25
_MAX_CP_PER_WEIGHT = 8  # code points per unit of weight, at most (ZWJ emoji sequences)
_URL_WEIGHT = 23  # every link weighs this (t.co)
_MAX_URL_CHARS = 4096  # longer links are not links X (or a browser) will follow


class ThreadSplitError(ValueError):
    """The text cannot be turned into valid posts under the given constraints."""


def weighted_length(text: str) -> int:
    """Return X's weighted length of *text* (URLs 23, emoji and CJK 2, most else 1)."""
    return _weight(text)


# Splitting measures the same words and gaps over and over.
@lru_cache(maxsize=8192)
def _weight(text: str) -> int:
    # twitter_text takes ~0.3 s to import (it builds its emoji regex), so keep CLI start fast.
    from twitter_text import parse_tweet

    return int(parse_tweet(text).weightedLength)


def is_valid_post(text: str) -> bool:
    """Return True if *text* is a postable tweet: non-empty, ≤ 280 weighted, no bad chars."""
    from twitter_text import parse_tweet

    return bool(parse_tweet(text).valid)


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF


def _cjk_break(before: str, after: str) -> int | None:
    """Strength of a zero-width break between two adjacent chars, or None if forbidden."""
    if after in _NO_START or before in _NO_END:
        return None
    if before in _CJK_STOP:
        return _SENTENCE
    if before in _CJK_COMMA:
        return _WORD
    if _is_cjk(before) and _is_cjk(after):
        return _CJK
    return None


@dataclass
class _Atom:
    start: int
    end: int
    after: int = _INTRA  # strength of the boundary that follows this atom
    url: bool = False


def _gap_strength(gap: str, prev: str) -> int:
    newlines = gap.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    if newlines >= 2:
        return _PARAGRAPH
    if newlines == 1:
        return _LINE
    return _SENTENCE if _SENTENCE_END.search(prev) else _WORD


def _atoms(text: str) -> list[_Atom]:
    """Cut *text* into unbreakable pieces: URLs, and words further cut at CJK boundaries.

    Linear in the text: words and URL spans are both in order, so one cursor walks the spans
    (a scan of every span per word made 1 MB take most of a minute).
    """
    spans = url_spans(text)
    atoms: list[_Atom] = []
    first = 0  # the first span that may still overlap a word at or after this one
    for word in _NOT_WS.finditer(text):
        pos, end = word.span()
        pieces: list[_Atom] = []
        while first < len(spans) and spans[first][1] <= pos:
            first += 1
        k = first
        while k < len(spans) and spans[k][0] < end:
            s, e = spans[k]
            k += 1
            if e <= pos:
                continue
            pieces += _cjk_pieces(text, pos, s)
            pieces.append(_Atom(s, e, url=True))
            pos = e
        pieces += _cjk_pieces(text, pos, end)
        if atoms:
            gap = text[atoms[-1].end : word.start()]
            atoms[-1].after = _gap_strength(gap, text[atoms[-1].start : atoms[-1].end])
        atoms += pieces
    return atoms


def _cjk_pieces(text: str, start: int, end: int) -> list[_Atom]:
    pieces: list[_Atom] = []
    cut = start
    for i in range(start + 1, end):
        strength = _cjk_break(text[i - 1], text[i])
        if strength is not None:
            pieces.append(_Atom(cut, i, after=strength))
            cut = i
    if cut < end:
        pieces.append(_Atom(cut, end))
    return pieces


def _units(text: str, start: int, end: int) -> list[int]:
    """Return start offsets of user-perceived characters, so emoji are never cut apart."""
    cuts = [start]
    for i in range(start + 1, end):
        o, prev = ord(text[i]), text[i - 1]
        joined = (
            unicodedata.category(text[i])[0] == "M"  # combining marks, variation selectors
            or "\u200d" in (prev, text[i])  # zero-width joiner sequences
            or 0x1F3FB <= o <= 0x1F3FF  # skin tones
            or 0xE0020 <= o <= 0xE007F  # tag sequences (subdivision flags)
            # Regional indicators pair up into one flag.
            or (_is_ri(o) and _is_ri(ord(prev)) and (i - cuts[-1]) % 2 == 1)
        )
        if not joined:
            cuts.append(i)
    return cuts


def _is_ri(o: int) -> bool:
    return 0x1F1E6 <= o <= 0x1F1FF


def _hard_split(text: str, atom: _Atom, budget: int) -> list[_Atom]:
    """Split an over-long non-URL atom into pieces of at most *budget* weight."""
    if atom.url:
        raise ThreadSplitError(f"URL does not fit in one post: {text[atom.start : atom.end][:80]}")
    cuts = _units(text, atom.start, atom.end) + [atom.end]
    pieces: list[_Atom] = []
    i = 0
    while i < len(cuts) - 1:
        j, est = i, 0
        while j < len(cuts) - 1:
            w = _weight(text[cuts[j] : cuts[j + 1]])
            if est + w > budget:
                break
            est, j = est + w, j + 1
        # The estimate ignores context (e.g. "a.co" counts as a 23-char URL): verify.
        while j > i and _weight(text[cuts[i] : cuts[j]]) > budget:
            j -= 1
        if j == i:
            raise ThreadSplitError(f"character {text[cuts[i]]!r} does not fit in {budget}")
        pieces.append(_Atom(cuts[i], cuts[j]))
        i = j
    pieces[-1].after = atom.after
    return pieces


def _over(text: str, atom: _Atom, budget: int) -> bool:
    """Whether the atom weighs more than *budget*, without weighing a huge one.

    twitter-text is superlinear on long strings; a non-URL piece of more than _MAX_CP_PER_WEIGHT
    code points per unit of budget cannot fit (even ZWJ emoji weigh 2 per ~10 code points).
    """
    size = atom.end - atom.start
    if atom.url and size > _MAX_URL_CHARS:
        raise ThreadSplitError(f"a link of {size:,} characters is too long to post")
    if not atom.url and size > _MAX_CP_PER_WEIGHT * budget:
        return True
    return _weight(text[atom.start : atom.end]) > budget


def _pack(
    text: str,
    atoms: list[_Atom],
    budget: int,
    suffix: str,
    limit: int,
    max_segments: int | None = None,
) -> list[str]:
    """Greedily fill posts, preferring the strongest boundary once a post is half full.

    Stops as soon as the text needs more than *max_segments* posts (ThreadSplitError), so
    the work is bounded by what can be posted, not by the size of the text.
    """
    expanded = [
        piece
        for atom in atoms
        for piece in (_hard_split(text, atom, budget) if _over(text, atom, budget) else [atom])
    ]
    out: list[str] = []
    i, n = 0, len(expanded)
    while i < n:
        fills = [_weight(text[expanded[i].start : expanded[i].end])]
        k = i
        while k + 1 < n:
            gap = text[expanded[k].end : expanded[k + 1].start]
            nxt = text[expanded[k + 1].start : expanded[k + 1].end]
            total = fills[-1] + _weight(gap) + _weight(nxt)
            if total > budget:
                break
            fills.append(total)
            k += 1
        while True:
            cut = _choose_cut(expanded, i, k, fills, budget, last=k == n - 1)
            segment = text[expanded[i].start : expanded[cut].end]
            if _weight(segment + suffix) <= limit:
                break
            if cut == i:
                raise ThreadSplitError("a piece of the text does not fit in one post")
            k = cut - 1
        out.append(segment)
        if max_segments is not None and len(out) > max_segments and cut + 1 < n:
            raise ThreadSplitError(f"text needs more than {max_segments} posts")
        i = cut + 1
    return out


def _choose_cut(
    atoms: list[_Atom], i: int, k: int, fills: list[int], budget: int, last: bool
) -> int:
    if last:
        return k
    floor = _MIN_FILL * budget
    eligible = [c for c in range(i, k + 1) if fills[c - i] >= floor or c == k]
    if max(atoms[c].after for c in eligible) == _INTRA:
        eligible = list(range(i, k + 1))
    return max(eligible, key=lambda c: (atoms[c].after, c))


def split_thread(
    text: str,
    *,
    max_segments: int | None = None,
    numbering: bool = True,
    limit: int = X_MAX_WEIGHTED_LENGTH,
) -> list[str]:
    """Split *text* into posts of at most *limit* weighted length (suffix included).

    Breaks prefer paragraphs, then lines, then sentences, then words (CJK text may break
    between characters); URLs are never broken, and an over-long word is cut only as a
    last resort. Returns ``[]`` for blank text and ``[text.strip()]`` if it fits in one post.
    """
    body = text.strip()
    if not body:
        return []
    if _INVALID.search(body):
        raise ThreadSplitError("text contains characters X rejects (U+FEFF, U+FFFE, U+FFFF)")
    if _could_be_one_post(body, limit) and _weight(body) <= limit:
        return [body]
    if max_segments is not None:
        # Refused before any splitting: the work stays bounded by what can be posted. Only a
        # prefix is searched for links (link extraction costs ~2 s a megabyte): when it alone
        # holds more text than the posts can, the whole does too.
        most = max_segments * limit * _MAX_CP_PER_WEIGHT
        if _outside_urls(body[: 2 * most]) > most:
            raise ThreadSplitError(f"text needs more than {max_segments} posts")
    atoms = _atoms(text)
    if not numbering:
        segments = _pack(text, atoms, limit, "", limit, max_segments)
    else:
        width = 1
        while True:
            # Reserve room for the widest suffix of this digit count; re-pack when N grows
            # a digit (9 -> 10 posts), since that shrinks every post's budget.
            widest = f" {'9' * width}/{'9' * width}"
            budget = limit - _weight(widest)
            if budget < 1:
                raise ThreadSplitError(f"limit {limit} leaves no room for numbering")
            segments = _pack(text, atoms, budget, widest, limit, max_segments)
            if len(str(len(segments))) <= width:
                break
            width = len(str(len(segments)))
        total = len(segments)
        segments = [f"{seg} {n}/{total}" for n, seg in enumerate(segments, 1)]
    if max_segments is not None and len(segments) > max_segments:
        raise ThreadSplitError(f"text needs {len(segments)} posts, more than {max_segments}")
    return segments


def _could_be_one_post(body: str, limit: int) -> bool:
    """A cheap upper bound: weighing a long text with twitter-text is superlinear."""
    most_urls = limit // _URL_WEIGHT + 1
    if len(body) > most_urls * _MAX_URL_CHARS + _MAX_CP_PER_WEIGHT * limit:
        return False
    return _outside_urls(body) <= _MAX_CP_PER_WEIGHT * limit


def _outside_urls(body: str) -> int:
    return len(body) - sum(e - s for s, e in url_spans(body))


def segments_from_markers(
    text: str, *, numbering: bool = False, limit: int = X_MAX_WEIGHTED_LENGTH
) -> list[str]:
    """Split a hand-written thread on lines consisting of ``---`` and validate each post.

    Blank segments are dropped. With *numbering*, the ``" i/N"`` suffix is appended.
    Raises ThreadSplitError naming every post that is too long or has invalid characters.
    """
    segments = [p.strip() for p in _MARKER_LINE.split(text) if p.strip()]
    if numbering and len(segments) > 1:
        segments = [f"{s} {n}/{len(segments)}" for n, s in enumerate(segments, 1)]
    problems = []
    for n, seg in enumerate(segments, 1):
        length = _weight(seg)
        if length > limit:
            problems.append(f"post {n} is {length}/{limit} weighted characters")
        if _INVALID.search(seg):
            problems.append(f"post {n} contains characters X rejects")
    if problems:
        raise ThreadSplitError("; ".join(problems))
    return segments


def normalize_for_match(text: str) -> str:
    """Normalize a draft or a posted tweet so the two compare equal after X's rewriting.

    HTML entities are unescaped, every link (ours, X's t.co, or a bare domain that X
    auto-links) becomes ``<url>``, Unicode is NFC-normalized, whitespace is collapsed and
    case is folded.
    """
    text = unicodedata.normalize("NFC", html.unescape(text))
    for start, end in reversed(url_spans(text)):
        text = text[:start] + f" {URL_PLACEHOLDER} " + text[end:]
    return _WS.sub(" ", text).strip().casefold()
