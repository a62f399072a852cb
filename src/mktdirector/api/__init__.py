"""The Python API of the product brief: thin facades over agents/ and integrations/.

    from mktdirector.api import SocialMediaAgent, StrategyAgent, OrchestratorAgent
    topics = StrategyAgent().suggest_content_topics(content_type="linkedin", count=5,
                                                     based_on="new course launch")
    post = SocialMediaAgent().create_linkedin_post(topic=topics["topics"][0]["title"],
                                                   style="professional", include_cta=True)

    from mktdirector.api import LinkedInIntegration
    linkedin = LinkedInIntegration(access_token="stored_token")
    post = linkedin.create_post(text="Check out our new AI training program!", visibility="PUBLIC")
    analytics = linkedin.get_post_analytics(post["id"])

Everything returns plain dicts (JSON-ready); every draft and post is saved, linted, published
exactly once and logged as the CLI does it. Pass `llm=` to the agents to use any object that
speaks the `mktdirector.llm.LLM` protocol.
"""

from mktdirector.api.agents import (
    AnalyticsAgent,
    OrchestratorAgent,
    SocialMediaAgent,
    StrategyAgent,
)
from mktdirector.api.integrations import (
    GoogleAnalyticsIntegration,
    HubSpotIntegration,
    LinkedInIntegration,
    PublishIncomplete,
    SendGridIntegration,
    TwitterIntegration,
)

__all__ = [
    "AnalyticsAgent",
    "GoogleAnalyticsIntegration",
    "HubSpotIntegration",
    "LinkedInIntegration",
    "OrchestratorAgent",
    "PublishIncomplete",
    "SendGridIntegration",
    "SocialMediaAgent",
    "StrategyAgent",
    "TwitterIntegration",
]
