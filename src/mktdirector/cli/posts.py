"""`mktd posts delete ID`: delete a published post (or thread) on its platform."""

from typing import TYPE_CHECKING, Annotated

import typer

from mktdirector.cli import _options
from mktdirector.cli._options import JsonOpt

if TYPE_CHECKING:
    from mktdirector.agents.social.deleting import DeletePlan

app = typer.Typer(help="Published posts: delete one on its platform.", no_args_is_help=True)


@app.command("delete")
def delete(
    draft_id: Annotated[str, typer.Argument(help="The draft whose published post to delete.")],
    yes: Annotated[bool, _options.yes("Delete without asking.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Delete a published post (every post of a thread) on the platform; asks first.

    The ledger keeps it as deleted: reports and metrics stop counting it."""
    from mktdirector.agents.social import deleting
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    plan = deleting.plan_delete(deps.store, draft_id)
    if not json_out:
        _show(plan)
    n = len(plan.posts)
    what = "this post" if n == 1 else f"these {n} posts"
    who = f" (account {plan.account})" if plan.account else ""
    ok = _output.confirm(
        f"Delete {what} from {plan.platform}{who}?", assume_yes=yes, declined="Not deleted."
    )
    result = deleting.delete(deps, plan, confirmed=ok)
    if json_out:
        return _output.emit_json(result.to_dict())
    gone = f"; {len(result.already_gone)} was gone already" if result.already_gone else ""
    _output.success(f"Deleted draft {result.draft_id}'s post from {result.platform}{gone}.")


def _show(plan: "DeletePlan") -> None:
    """The post as it will be deleted: where, and its text (the user confirms this one)."""
    from mktdirector.cli import _output

    for p in plan.posts:
        _output.info(f"{plan.platform} {p['url'] or p['remote_id']}")
        _output.line(p["text"], err=True)
