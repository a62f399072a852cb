"""Refusals the store raises, by kind, without front-end wording.

What to type next depends on the front end (a CLI command, a web page, a Python call), so these
errors carry no hint: they name the entity, the reference the caller gave and, for a refused
change, the reason. Each front end turns that into its own hint (the CLI: agents/hints.py).
"""

from __future__ import annotations

from enum import StrEnum

from mktdirector.core.errors import UsageError


class Refusal(StrEnum):
    """Why the store refused a state change."""

    WRONG_STATUS = "wrong_status"  # an update expected another status
    ALREADY_PUBLISHED = "already_published"
    NEEDS_CHECK = "needs_check"  # a human must say whether the post went out
    NOT_APPROVED = "not_approved"
    CHANGED_SINCE_APPROVAL = "changed_since_approval"
    LEASED = "leased"  # another live process holds the publishing lease
    NO_LONGER_APPROVED = "no_longer_approved"  # scheduling re-checks the approval
    BEING_PUBLISHED = "being_published"  # its publish job is running
    NO_QUEUED_JOB = "no_queued_job"
    DUPLICATE_SEND = "duplicate_send"  # an email with the same send key may have gone out


class RecordNotFoundError(UsageError):
    """No `entity` matches `ref` (an id, or the end of exactly one id), or `matches` of them end so."""

    def __init__(self, entity: str, ref: str, *, matches: int = 0) -> None:
        told = f"{ref!r} ends more than one {entity}; give more of its id." if matches > 1 else ""
        super().__init__(told or f"No {entity} {ref!r}.")
        self.entity = entity
        self.ref = ref


class StateRefusedError(UsageError):
    """The store refused to change `entity` `ref` for `reason`; nothing was written."""

    def __init__(self, message: str, *, entity: str, ref: str, reason: Refusal) -> None:
        super().__init__(message)
        self.entity = entity
        self.ref = ref
        self.reason = reason
