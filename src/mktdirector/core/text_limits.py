"""The platforms' post length limits, as plain numbers.

core/platforms.py declares them for every command; the text rules that count against them
(core/xtext.py: regexes, html, unicodedata; core/linkedin_text.py) load only where text is
counted, not on `mktd status` or `mktd drafts list` (issue 17).
"""

from __future__ import annotations

LINKEDIN_MAX_CHARS = 3000  # characters of `commentary` the LinkedIn Posts API accepts
X_MAX_WEIGHTED_LENGTH = 280  # X's weighted length (twitter-text's config v3)
