"""The brief's agents: SocialMediaAgent, StrategyAgent, OrchestratorAgent, AnalyticsAgent."""

from __future__ import annotations

from typing import Any

from mktdirector.wiring import Deps

__all__ = ["AnalyticsAgent", "OrchestratorAgent", "SocialMediaAgent", "StrategyAgent"]


class _Facade:
    def __init__(self, *, llm: Any = None, deps: Deps | None = None) -> None:
        self._deps = deps or Deps()
        if llm is not None:
            self._deps.set_llm(llm)


class SocialMediaAgent(_Facade):
    """Draft (and, with publish=True, publish) LinkedIn posts and X threads."""

    def create_linkedin_post(
        self,
        topic: str,
        style: str = "professional",
        include_cta: bool = True,
        publish: bool = False,
        account: str | None = None,
        no_brand: bool = False,
    ) -> dict[str, Any]:
        """A LinkedIn post on `topic`; with publish=True it goes out at once (exactly once).

        Without a brand voice (no brand.toml, or the untouched template) publishing is refused
        unless `no_brand=True` says to publish generic text anyway, as `mktd social --no-brand`.
        """
        return self._create(
            "linkedin",
            topic=topic,
            style=style,
            include_cta=include_cta,
            thread_length=None,
            publish=publish,
            account=account,
            no_brand=no_brand,
        )

    def create_twitter_thread(
        self,
        topic: str,
        thread_length: int = 5,
        style: str = "professional",
        include_cta: bool = True,
        publish: bool = False,
        account: str | None = None,
        no_brand: bool = False,
    ) -> dict[str, Any]:
        """An X thread on `topic` (see create_linkedin_post for publish and no_brand)."""
        return self._create(
            "twitter",
            topic=topic,
            style=style,
            include_cta=include_cta,
            thread_length=thread_length,
            publish=publish,
            account=account,
            no_brand=no_brand,
        )

    def _create(
        self,
        platform: str,
        *,
        topic: str,
        style: str,
        include_cta: bool,
        thread_length: int | None,
        publish: bool,
        account: str | None,
        no_brand: bool = False,
    ) -> dict[str, Any]:
        from mktdirector.agents.social import posting
        from mktdirector.core.errors import UsageError

        request = posting.PostRequest(
            platform,
            topic=topic,
            style=style,
            include_cta=include_cta,
            thread_length=thread_length,
            account=account,
            no_brand=no_brand,
        )
        try:
            # The CLI's resume rule: publish=True continues the draft this same request made
            # (the brief's "draft, review, then publish", or a run cut off mid-publish).
            prepared = posting.prepare(self._deps, request, publish=publish)
        except posting.AlreadyPublished as e:
            raise UsageError(
                f"This was already published (draft {e.draft_id}).",
                hint="SocialMediaAgent().publish_draft(ID) for another draft",
            ) from None
        published: dict[str, Any] = {}
        if publish:
            # publish=True is the caller's explicit approval of exactly this generated text.
            ticket = posting.approve_for_publishing(self._deps, prepared, confirmed=True)
            published = posting.publish(self._deps, ticket, confirmed=True).to_dict()
            if published["status"] != "published":
                from mktdirector.api.integrations import PublishIncomplete

                raise PublishIncomplete(published)
        return self._as_stored(prepared.view.id, published)

    def _as_stored(self, draft_id: str, published: dict[str, Any]) -> dict[str, Any]:
        """The draft as the database holds it after the call, and the post beside it.

        `id` stays the draft's id; the platform's post id is `post_id` (`thread_results` for
        every segment of a thread).
        """
        from mktdirector.agents.content.drafts import DraftView, findings_of

        draft = self._deps.store.get_draft(draft_id)
        result = DraftView(draft, findings_of(draft)).to_dict()
        result["draft_id"] = draft_id
        result["text"] = "\n\n".join(draft["body"])
        for key in ("post_id", "url", "created_at", "thread_results", "cost_usd", "message"):
            if key in published:
                result[key] = published[key]
        return result

    def publish_draft(self, draft_id: str) -> dict[str, Any]:
        """Publish an already approved draft (exactly once; resumes a cut-off thread)."""
        from mktdirector.agents.social import posting

        ticket = posting.ready_to_publish(self._deps, draft_id)
        return posting.publish(self._deps, ticket, confirmed=True).to_dict()

    def get_post_analytics(self, platform: str, post_id: str) -> dict[str, Any]:
        """Fresh metrics of one published post (also stored as a snapshot)."""
        from mktdirector.agents.analytics.social import post_analytics
        from mktdirector.core.errors import UsageError
        from mktdirector.core.platforms import resolve_platform, spoken_list, with_post_metrics
        from mktdirector.integrations.capabilities import as_post_metrics_source

        d, pid = self._deps, resolve_platform(platform)
        if pid not in with_post_metrics():
            raise UsageError(f"{platform} has no post analytics.",
                             hint=f"Use {spoken_list(with_post_metrics())}")  # fmt: skip
        return post_analytics(d.store, as_post_metrics_source(d.integration(pid)), post_id)


class StrategyAgent(_Facade):
    def suggest_content_topics(
        self, content_type: str = "linkedin", count: int = 5, based_on: str = ""
    ) -> dict[str, Any]:
        """{'topics': [{'title', 'angle', 'audience', 'why_now', 'suggested_platform'}, ...]}"""
        from mktdirector.agents.content import planning

        found = planning.suggest_topics(
            self._deps, content_type=content_type, count=count, based_on=based_on,
            avoid_recent=False,  # the brief's API call: exactly what was asked for
        )  # fmt: skip
        return {"topics": [t.to_dict() for t in found.topics], "generation_id": found.generation_id}


class OrchestratorAgent(_Facade):
    def plan_marketing_initiative(
        self,
        objective: str,
        timeframe: str = "2 weeks",
        channels: list[str] | None = None,
        create_drafts: bool = False,
    ) -> dict[str, Any]:
        """A stored plan with dated steps; with create_drafts=True, a draft per step."""
        from mktdirector.agents.content import planning

        planned = planning.plan(
            self._deps,
            objective=objective,
            timeframe=timeframe,
            channels=channels,
            create_drafts=create_drafts,
        )
        return planned.to_dict()


class AnalyticsAgent(_Facade):
    def generate_performance_report(
        self,
        timeframe: str = "7d",
        channels: list[str] | str | None = None,
        metrics: list[str] | str | None = None,
        summary: bool | None = None,
    ) -> dict[str, Any]:
        """The figures of `mktd report` (per channel, per post, top/bottom, daily trend) as a
        dict; with an LLM configured, `summary` holds a written summary with recommendations.

        `summary=None` adds it when an LLM is configured and skips it quietly otherwise;
        True requires one (NoLLMError), False never calls it.
        """
        from mktdirector.agents.analytics.report import build_report, narrative_figures
        from mktdirector.llm import NoLLMError

        d = self._deps
        report = build_report(d.store, timeframe=timeframe, channels=channels, metrics=metrics)
        if summary is not False and report.posts:
            from mktdirector.agents.analytics.narrative import narrative

            try:
                llm = d.llm()
            except NoLLMError:
                if summary:
                    raise
                llm = None
            if llm is not None:
                report.summary, _ = narrative(
                    llm,
                    d.brand(),
                    d.store,
                    figures=narrative_figures(report),
                    timeframe=report.timeframe.label,
                )
        return report.to_dict()

    def summarize(self, figures: dict[str, Any], timeframe: str = "7 days") -> dict[str, Any]:
        """A written summary with recommendations from report figures (needs an LLM)."""
        from mktdirector.agents.analytics.narrative import narrative

        d = self._deps
        text, gid = narrative(d.llm(), d.brand(), d.store, figures=figures, timeframe=timeframe)
        return {"summary": text, "generation_id": gid}
