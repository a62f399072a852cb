"""Hints for the store's refusals: the `mktd` command that shows or fixes the thing refused.

The store names what it refused (entity, reference, reason) and leaves the wording to the layers
above: the CLI adds these to the errors it prints, and the worker to the notifications it
raises (a notification is read in the CLI or the dashboard). `{ref}` is the reference given.
"""

from __future__ import annotations

from mktdirector.core.errors import MktdError
from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError

# Where the ids of each kind of record are listed.
NOT_FOUND = {
    "draft": "mktd drafts list shows the ids",
    "plan": "mktd plan --list shows the plans",
    "job": "mktd queue list",
    "email": "mktd email list shows the ids",
}

REFUSED = {
    Refusal.WRONG_STATUS: "mktd drafts show {ref}",
    Refusal.ALREADY_PUBLISHED: "mktd drafts show {ref}",
    Refusal.NEEDS_CHECK: "Look for the post, then: mktd publish {ref} --resolve posted|not-posted",
    Refusal.NOT_APPROVED: "mktd drafts approve {ref}",
    Refusal.CHANGED_SINCE_APPROVAL: "Review and approve it again: mktd drafts approve {ref}",
    Refusal.LEASED: "Wait for it to finish (mktd drafts show ID)",
    Refusal.NO_LONGER_APPROVED: "mktd drafts show {ref}",
    Refusal.BEING_PUBLISHED: "mktd drafts show {ref}",
    Refusal.NO_QUEUED_JOB: "mktd queue list",
    Refusal.DUPLICATE_SEND: "mktd email list",
}


def add_hint(err: MktdError) -> MktdError:
    """Give a store refusal that has no hint yet the CLI's one (other errors pass through)."""
    if err.hint is not None:
        return err
    if isinstance(err, RecordNotFoundError):
        err.hint = NOT_FOUND.get(err.entity)
    elif isinstance(err, StateRefusedError):
        err.hint = REFUSED[err.reason].format(ref=err.ref)
    return err
