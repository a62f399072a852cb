"""The fault matrix: what mktd does when a platform fails, row by row of the brief's error table.

Read `ROWS` below as the documentation: each row is one situation (a rate limit, a refused token,
an API error, a network failure) on one platform, provoked in the local sandbox
(`mktd sandbox serve --faults SPEC`, see docs/sandbox.md), and what a user then observes:

- requests: every request the sandbox received during the command, in order, with its outcome
  (`x.create 429` is `POST /2/tweets` answered 429; `reset`, `timeout-after-201`... are faults);
  the audit table `http_calls` holds one row per request too (OAuth token calls included; their
  outcome is also in `auth_events`);
- waits: each wait mktd slept before a retry (the exact figure or a range: backoff has jitter);
- exit, says, hint: the exit code and the lines the user reads (`<…>` stands for a value that
  changes from run to run: an id, a file, a time);
- queued: the job left for `mktd worker`;
- notified: notifications raised by the command itself, then those the alert rules add
  (marked "alerts run": `mktd alerts run`, which the worker runs too);
- outcome: what exists afterwards, on the platform (counted by the sandbox) and locally.

docs/reliability.md is generated from this table: `python tests/test_fault_matrix.py` rewrites
its table section, and `test_reliability_doc_is_current` fails when the two differ.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import sys
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mktdirector.core.clock import Clock
from mktdirector.sandbox import Sandbox
from mktdirector.wiring import Deps

# What each platform's rows run: the brief's own operations, as a user types them.
LABEL = {"twitter": "X", "linkedin": "LinkedIn", "hubspot": "HubSpot",
         "google-analytics": "GA4", "sendgrid": "SendGrid", "salesforce": "Salesforce",
         "mailchimp": "Mailchimp"}  # fmt: skip
WRITE = {
    "twitter": 'mktd social twitter --text "…" --publish --yes',
    "linkedin": 'mktd social linkedin --text "…" --publish --yes',
    "hubspot": "mktd crm contacts import contacts.csv",
    "google-analytics": "mktd ga traffic --since 7d",
    "sendgrid": 'mktd email send --subject "…" --body-file body.txt --to ada@example.org --yes',
    "salesforce": "mktd crm contacts import contacts.csv --platform salesforce",
    "mailchimp": 'mktd email send --via mailchimp --audience sbxaud0001 --subject "…" '
    "--body-file body.txt --yes",
}
READ = {
    "twitter": "mktd test-integration twitter",
    "linkedin": "mktd test-integration linkedin",
    "hubspot": "mktd crm contacts get ada@example.org",
    "google-analytics": "mktd ga traffic --since 7d",
    "sendgrid": "mktd email stats",
    "salesforce": "mktd crm contacts get ada@example.org --platform salesforce",
    "mailchimp": "mktd email stats --platform mailchimp",
}
# The rows of the brief's error table, split into the cases that behave differently.
SITUATIONS = {
    "rate-short": ("Rate limit", "429, reset announced in 2 s"),
    "rate-long": ("Rate limit", "429, the reset an hour or more away (daily caps)"),
    "rate-bare": ("Rate limit", "429 without any reset header"),
    "auth-refresh": ("Authentication", "401 once, the token can be refreshed"),
    "auth-final": ("Authentication", "401 on every try"),
    "scope": ("Authentication", "403: a scope or permission is missing"),
    "server-read": ("API error", "503 on a read, every time"),
    "server-write": ("API error", "500 on a write that was done"),
    "html": ("API error", "an HTML error page (502 from a proxy)"),
    "truncated": ("API error", "truncated JSON, after the work was done"),
    "reset": ("Network", "connection reset before any answer (nothing done)"),
    "timeout": ("Network", "timeout after the work was done"),
}
BACKOFF = ((0.25, 0.5), (0.5, 1.0), (1.0, 2.0))  # retry n waits 0.5·2^(n-1) s, 50-100 % jitter
HTTP_TIMEOUT = 1.0  # `mktd config set http.timeout 1`: a timeout costs 1 s, not 30
HOLD = 3  # the sandbox holds a timed-out request this long (longer than HTTP_TIMEOUT)


@dataclass(frozen=True)
class Row:
    """One situation on one platform, and everything a user observes."""

    situation: str
    platform: str
    sandbox: str  # `--faults SPEC` or `--limit NAME=N/S` for `mktd sandbox serve`
    requests: str = ""
    waits: tuple[tuple[float, float], ...] = ()
    exit: int = 0
    says: str = ""
    hint: str = ""
    queued: str = "—"
    notified: str = "—"
    outcome: str = ""
    read: bool = False  # runs READ[platform] instead of WRITE[platform]
    authorized: bool = False  # connected with `mktd authorize <platform>` (refreshable)
    na: str = ""  # why this combination does not exist

    @property
    def id(self) -> str:
        return f"{self.situation}-{self.platform}"

    @property
    def command(self) -> str:
        return (READ if self.read else WRITE)[self.platform]


def faults(route: str, action: str) -> str:
    return f"--faults {route}:{action}"


# Lines that repeat across rows.
X_DONE = "Published <id> to X."
LI_CHECK = (
    "Post 1 may or may not be on LinkedIn: the answer was lost ({why}). Look at "
    "https://www.linkedin.com/in/me/recent-activity/all/ for a post starting 'The fault matrix "
    "on LinkedIn.'. Then: mktd publish <id> --resolve posted --url URL   or   --resolve not-posted"
)
SG_CHECK = (
    "SendGrid may or may not have taken email <id> ({why}). mktd did not resend it. Look in "
    "SendGrid → Activity for subject 'Fault matrix' to ada@example.org, then run: mktd email "
    "resolve <id> sent   (or: not-sent)."
)
SG_SENT = "Sent to 1 recipient(s); message id <message id>."
HS_DONE = "Imported 2 contact(s) ({new} new, {updated} updated) in 1 request(s); 0 bad row(s)."
HS_RESUME = (
    "After the reset (in <wait>): mktd crm contacts import <file> --skip 0  (or run the same "
    "command again: contacts are upserted by email, so re-sending is safe)"
)
GA_DONE = (  # after a timed-out report, the sandbox did the work: its tokens were spent too
    "GA4 quota: {day} tokens left today (4 used); {hour} tokens left this hour (4 used); "
    "10 server errors allowed this hour."
).format
GA_FRESH = GA_DONE(day="199,996", hour="39,996")
GA_HOUR = (
    "GA4 quota exhausted for property 987654321: Exhausted property tokens per hour for a "
    "project per property. These quota tokens will return in under an hour (resets in <wait>)."
)
LI_DAY = (
    "LinkedIn POST /rest/posts: LinkedIn daily limit reached (resets at 00:00 UTC) "
    "(resets in <wait>)."
)
QUEUED = "Queued for <time> (UTC): mktd worker --once publishes it then (mktd queue list)"
AGAIN = "Nothing is lost: run the same command again after the reset."
SERVER = "The platform failed on its side; run the same command again later."
NO_REFRESH = "an API key has no refresh: see “401 on every try”"
SF_DONE = "Imported 2 contact(s) (2 new, 0 updated) in {n} request(s); 0 bad row(s)."
SF_DAILY = (
    "Salesforce refused the call: the org's daily API request allocation (rolling 24 hours) is "
    "used up (REQUEST_LIMIT_EXCEEDED) (resets in <wait>). Stopped after 0 of 2 contacts; 2 not "
    "sent."
)
# Mailchimp: a campaign to the sandbox's audience; a lost answer is settled by reading it back.
MC_PRE = "mailchimp.list 200, mailchimp.create 200, mailchimp.content 200"
MC_SENT = "Sent campaign <message id> to audience sbxaud0001: 3 member(s), email <id>."
MC_ONCE = "email sent; 1 campaign(s), sent 1 time(s) at Mailchimp"
# The campaign stays (unsent) and the row open: the same command resumes it, never a second one.
MC_KEPT = "email intent; 1 campaign(s), sent 0 time(s) at Mailchimp"

ROWS: tuple[Row, ...] = (
    # Rate limit -----------------------------------------------------------------------------
    Row("rate-short", "twitter", faults("x.create", "429=2@1"),
        requests="x.create 429, x.create 201", waits=((2, 3),),
        says=X_DONE, outcome="draft published; 1 post on X"),
    Row("rate-short", "linkedin", faults("linkedin.create", "429=2@1"),
        requests="linkedin.me 200, linkedin.create 429", exit=5, says=LI_DAY, hint=QUEUED,
        queued="publish job, due 00:00 UTC", notified="rate_limited (alerts run)",
        outcome="draft scheduled; 0 posts on LinkedIn"),
    Row("rate-short", "hubspot", faults("hubspot.upsert", "429=2@1"),
        requests="hubspot.upsert 429, hubspot.upsert 200", waits=((2, 2),),
        says=HS_DONE.format(new=2, updated=0), outcome="2 of 2 contacts in HubSpot"),
    Row("rate-short", "google-analytics", faults("ga.report", "429=2@1"),
        requests="ga.token 200, ga.report 429", exit=5, says=GA_HOUR, hint=AGAIN,
        outcome="nothing stored"),
    Row("rate-short", "sendgrid", faults("sendgrid.send", "429=2@1"),
        requests="sendgrid.send 429, sendgrid.send 202", waits=((2, 3),), says=SG_SENT,
        outcome="email sent; 1 at SendGrid"),
    Row("rate-short", "salesforce", faults("salesforce.create", "429=2@1"),
        requests="salesforce.query 200, salesforce.create 403, salesforce.create 200",
        waits=((20, 20),), says=SF_DONE.format(n=2), outcome="2 of 2 leads in Salesforce"),
    Row("rate-short", "mailchimp", faults("mailchimp.send", "429=2@1"),
        requests=f"{MC_PRE}, mailchimp.send 429, mailchimp.send 204, mailchimp.campaign 200",
        waits=((2, 3),), says=MC_SENT, outcome=MC_ONCE),
    Row("rate-long", "twitter", "--limit x.create.user24h=0/86400",
        requests="x.create 429", exit=5,
        says="X POST /2/tweets: X 24-hour rate limit reached (resets in 24.0 h).",
        hint=QUEUED, queued="publish job, due in 24.0 h", notified="rate_limited (alerts run)",
        outcome="draft scheduled; 0 posts on X"),
    Row("rate-long", "linkedin", "--limit linkedin.create.member=0/86400",
        requests="linkedin.me 200, linkedin.create 429", exit=5, says=LI_DAY, hint=QUEUED,
        queued="publish job, due 00:00 UTC", notified="rate_limited (alerts run)",
        outcome="draft scheduled; 0 posts on LinkedIn"),
    Row("rate-long", "hubspot", "--limit hubspot.daily=0/86400",
        requests="hubspot.upsert 429", exit=5,
        says="HubSpot's daily API call limit for this account is used up (policy DAILY); it "
        "resets at midnight in the account's time zone (resets in <wait>). Stopped after 0 of 2 "
        "contacts; 2 not sent.",
        hint=HS_RESUME, outcome="0 of 2 contacts in HubSpot"),
    Row("rate-long", "google-analytics", "--limit ga.tokens.day=0/86400",
        requests="ga.token 200, ga.report 429", exit=5,
        says="GA4 quota exhausted for property 987654321: Exhausted property tokens per day. "
        "These quota tokens will return tomorrow (resets in <wait>).",
        hint=AGAIN, outcome="nothing stored"),
    Row("rate-long", "sendgrid", faults("sendgrid.send", "429=3600"),
        requests="sendgrid.send 429", exit=5,
        says="sendgrid POST /v3/mail/send failed: HTTP 429: too many requests (resets in 60 min).",
        hint=AGAIN, outcome="email failed; 0 at SendGrid"),
    Row("rate-long", "salesforce", "--limit salesforce.daily=0/86400",
        requests="salesforce.query 403", exit=5, says=SF_DAILY, hint=HS_RESUME,
        outcome="0 of 2 leads in Salesforce"),
    Row("rate-long", "mailchimp", faults("mailchimp.send", "429=3600"),
        requests=f"{MC_PRE}, mailchimp.send 429", exit=5,
        says="mailchimp POST /campaigns/{campaign_id}/actions/send failed: HTTP 429: You have "
        "exceeded the limit of 10 simultaneous connections (resets in 60 min).",
        hint=AGAIN, outcome=MC_KEPT),
    Row("rate-bare", "twitter", faults("x.create", "429-noreset"),
        requests="x.create 429", exit=5, says="X POST /2/tweets: X 15-minute rate limit reached.",
        hint=QUEUED, queued="publish job, due in 15 min", outcome="draft scheduled; 0 posts on X"),
    Row("rate-bare", "linkedin", faults("linkedin.create", "429-noreset"),
        requests="linkedin.me 200, linkedin.create 429", exit=5, says=LI_DAY, hint=QUEUED,
        queued="publish job, due 00:00 UTC", notified="rate_limited (alerts run)",
        outcome="draft scheduled; 0 posts on LinkedIn"),
    Row("rate-bare", "hubspot", faults("hubspot.upsert", "429-noreset"),
        requests="hubspot.upsert 429 ×4", waits=((10, 10),) * 3, exit=5,
        says="HubSpot's ten secondly rolling rate limit was hit. Stopped after 0 of 2 contacts; "
        "2 not sent.",
        hint=HS_RESUME, outcome="0 of 2 contacts in HubSpot"),
    Row("rate-bare", "google-analytics", faults("ga.report", "429-noreset"),
        requests="ga.token 200, ga.report 429", exit=5, says=GA_HOUR, hint=AGAIN,
        outcome="nothing stored"),
    Row("rate-bare", "sendgrid", faults("sendgrid.send", "429-noreset"),
        requests="sendgrid.send 429 ×4", waits=((1, 1),) * 3, exit=5,
        says="sendgrid POST /v3/mail/send failed: HTTP 429: too many requests", hint=AGAIN,
        outcome="email failed; 0 at SendGrid"),
    Row("rate-bare", "mailchimp", faults("mailchimp.send", "429-noreset"),
        requests=f"{MC_PRE}, mailchimp.send 429 ×4", waits=((1, 1),) * 3, exit=5,
        says="mailchimp POST /campaigns/{campaign_id}/actions/send failed: HTTP 429: You have "
        "exceeded the limit of 10 simultaneous connections.", hint=AGAIN,
        notified="failure_rate (alerts run)", outcome=MC_KEPT),
    # Authentication -------------------------------------------------------------------------
    Row("rate-bare", "salesforce", faults("salesforce.create", "429-noreset"),
        requests="salesforce.query 200, salesforce.create 403", exit=5, says=SF_DAILY,
        hint=HS_RESUME, outcome="0 of 2 leads in Salesforce"),
    Row("auth-refresh", "twitter", faults("x.create", "401-once"), authorized=True,
        requests="x.create 401, x.token 200, x.create 201", says=X_DONE,
        outcome="draft published; 1 post on X"),
    Row("auth-refresh", "linkedin", "", na="most LinkedIn apps get no refresh token: see “401 "
        "on every try”"),
    Row("auth-refresh", "hubspot", "", na=NO_REFRESH),
    Row("auth-refresh", "google-analytics", faults("ga.report", "401-once"),
        requests="ga.token 200, ga.report 401, ga.token 200, ga.report 200", says=GA_FRESH,
        outcome="traffic stored"),
    Row("auth-refresh", "sendgrid", "", na=NO_REFRESH),
    Row("auth-refresh", "salesforce", faults("salesforce.create", "401-once"), authorized=True,
        requests="salesforce.query 200, salesforce.create 401, salesforce.token 200, "
        "salesforce.create 200", says=SF_DONE.format(n=2),
        outcome="2 of 2 leads in Salesforce"),
    Row("auth-refresh", "mailchimp", "", na=NO_REFRESH),
    Row("auth-final", "twitter", faults("x.create", "401"),
        requests="x.create 401", exit=4,
        says="X POST /2/tweets: X rejected the access token (expired, revoked or invalid).",
        hint="mktd authorize twitter", notified="publish_failed, then auth_failed (alerts run)",
        outcome="draft failed; 0 posts on X"),
    Row("auth-final", "linkedin", faults("linkedin.create", "401"),
        requests="linkedin.me 200, linkedin.create 401", exit=4,
        says="LinkedIn POST /rest/posts: LinkedIn rejected the access token (expired or invalid).",
        hint="mktd authorize linkedin", notified="publish_failed, then auth_failed (alerts run)",
        outcome="draft failed; 0 posts on LinkedIn"),
    Row("auth-final", "hubspot", faults("hubspot.upsert", "401"),
        requests="hubspot.upsert 401", exit=4,
        says="HubSpot rejected the token (HTTP 401): it is wrong, revoked or deleted.",
        hint="In HubSpot: Settings → Integrations → Private Apps → Create a private app (or "
        "Development → Keys → Service keys), grant crm.objects.contacts.read and "
        "crm.objects.contacts.write, copy the token, then run `mktd authorize hubspot` or set "
        "HUBSPOT_API_KEY",
        notified="auth_failed (alerts run)", outcome="0 of 2 contacts in HubSpot"),
    Row("auth-final", "google-analytics", faults("ga.report", "401"),
        requests="ga.token 200, ga.report 401, ga.token 200, ga.report 401", exit=4,
        says="Google rejected the access token of "
        "mktd-analytics@mktd-sandbox.iam.gserviceaccount.com (HTTP 401).",
        hint="In Google Cloud: IAM & Admin → Service accounts → (account) → Keys → Add key → "
        "JSON; then `mktd authorize google-analytics --credentials FILE` or set "
        "GOOGLE_ANALYTICS_CREDENTIALS_PATH",
        notified="auth_failed (alerts run)", outcome="nothing stored"),
    Row("auth-final", "sendgrid", faults("sendgrid.send", "401"),
        requests="sendgrid.send 401", exit=4,
        says="SendGrid rejected the API key (HTTP 401): wrong, revoked, or the plan's email "
        "quota is used up.",
        hint="In SendGrid: Settings → API Keys → Create API Key (Restricted Access: Mail Send "
        "full, Stats read), then `mktd authorize sendgrid` or set SENDGRID_API_KEY",
        notified="email_failed, then auth_failed (alerts run)",
        outcome="email failed; 0 at SendGrid"),
    Row("auth-final", "salesforce", faults("salesforce.query", "401"),
        requests="salesforce.query 401", exit=4,
        says="Salesforce refused the session (INVALID_SESSION_ID): the access token expired or "
        "was revoked.",
        hint="mktd authorize salesforce  (or set SALESFORCE_ACCESS_TOKEN with "
        "SALESFORCE_INSTANCE_URL)",
        notified="auth_failed (alerts run)", outcome="0 of 2 leads in Salesforce"),
    Row("auth-final", "mailchimp", faults("mailchimp.send", "401"),
        requests=f"{MC_PRE}, mailchimp.send 401", exit=4,
        says="Mailchimp rejected the API key (HTTP 401: API Key Invalid).",
        hint="In Mailchimp: Profile → Extras → API keys → Create A Key, then `mktd authorize "
        "mailchimp` or set MAILCHIMP_API_KEY",
        notified="email_failed, then auth_failed (alerts run)", outcome=MC_KEPT),
    Row("scope", "twitter", faults("x.create", "403"),
        requests="x.create 403", exit=4, says="X POST /2/tweets: forbidden (Error).",
        hint="Check the app has Read and write permission and the scopes, then mktd authorize "
        "twitter",
        notified="publish_failed", outcome="draft failed; 0 posts on X"),
    Row("scope", "linkedin", faults("linkedin.create", "403"),
        requests="linkedin.me 200, linkedin.create 403", exit=4,
        says="LinkedIn POST /rest/posts: not permitted (Error).",
        hint="Add the product that grants it to the app (docs/integrations/linkedin.md), then "
        "mktd authorize linkedin",
        notified="publish_failed", outcome="draft failed; 0 posts on LinkedIn"),
    Row("scope", "hubspot", faults("hubspot.upsert", "403"),
        requests="hubspot.upsert 403", exit=4,
        says="hubspot POST /crm/v3/objects/contacts/batch/upsert failed: HTTP 403: HTTP 403",
        hint="Check the app's scopes, then mktd authorize hubspot",
        outcome="0 of 2 contacts in HubSpot"),
    Row("scope", "google-analytics", faults("ga.report", "403"),
        requests="ga.token 200, ga.report 403", exit=4,
        says="The service account mktd-analytics@mktd-sandbox.iam.gserviceaccount.com may not "
        "read GA4 property 987654321.",
        hint="Add the service account email mktd-analytics@mktd-sandbox.iam.gserviceaccount.com "
        "as a Viewer user on GA4 property 987654321 (Admin → Property access management → + → "
        "Add users), then retry",
        outcome="nothing stored"),
    Row("scope", "sendgrid", faults("sendgrid.send", "403"),
        requests="sendgrid.send 403", exit=4,
        says="The SendGrid API key may not call POST /v3/mail/send (needs mail.send).",
        hint="Edit the key's permissions in SendGrid (Settings → API Keys), or create one with "
        "them and run `mktd authorize sendgrid`",
        notified="email_failed", outcome="email failed; 0 at SendGrid"),
    Row("scope", "mailchimp", faults("mailchimp.send", "403"),
        requests=f"{MC_PRE}, mailchimp.send 403", exit=4,
        says="Mailchimp refused POST /campaigns/{campaign_id}/actions/send (HTTP 403: "
        "Forbidden): the user is disabled or lacks permission.",
        hint="Check the account's user role in Mailchimp, or use a key of an admin user",
        notified="email_failed", outcome=MC_KEPT),
    # API error ------------------------------------------------------------------------------
    Row("scope", "salesforce", faults("salesforce.query", "403"),
        requests="salesforce.query 403", exit=4,
        says="Salesforce refused the call (INSUFFICIENT_ACCESS): insufficient access rights on "
        "object id",
        hint="The user needs 'API Enabled' and access to Leads/Campaigns (Setup → Profiles or "
        "Permission Sets), then retry",
        outcome="0 of 2 leads in Salesforce"),
    Row("server-read", "twitter", faults("x.me", "503"), read=True,
        requests="x.me 503 ×4", waits=BACKOFF, exit=6,
        says="✗ twitter error · twitter GET /2/users/me failed: HTTP 503: Service Unavailable",
        hint=SERVER, outcome="nothing changes"),
    Row("server-read", "linkedin", faults("linkedin.me", "503"), read=True,
        requests="linkedin.me 503 ×4", waits=BACKOFF, exit=6,
        says="✗ linkedin error · linkedin GET /v2/userinfo failed: HTTP 503: Service Unavailable",
        hint=SERVER, outcome="nothing changes"),
    Row("server-read", "hubspot", faults("hubspot.get", "503"), read=True,
        requests="hubspot.properties 200, hubspot.get 503 ×4", waits=BACKOFF, exit=6,
        says="hubspot GET /crm/v3/objects/contacts/{email} failed: HTTP 503: HTTP 503",
        hint=SERVER, notified="failure_rate (alerts run)", outcome="nothing changes"),
    Row("server-read", "google-analytics", faults("ga.report", "503"), read=True,
        requests="ga.token 200, ga.report 503 ×2", waits=BACKOFF[:1], exit=6,
        says="google-analytics POST /v1beta/properties/{property_id}:runReport failed: HTTP 503 "
        "UNAVAILABLE: The service is currently unavailable.",
        hint=SERVER, outcome="nothing stored"),
    Row("server-read", "sendgrid", faults("sendgrid.stats", "503"), read=True,
        requests="sendgrid.stats 503 ×4", waits=BACKOFF, exit=6,
        says="sendgrid GET /v3/stats failed: HTTP 503: internal error", hint=SERVER,
        outcome="nothing changes"),
    Row("server-read", "salesforce", faults("salesforce.query", "503"), read=True,
        requests="salesforce.describe 200 ×2, salesforce.query 503 ×4", waits=BACKOFF, exit=6,
        says="salesforce GET /services/data/v66.0/query failed: HTTP 503 SERVER_UNAVAILABLE: "
        "HTTP 503",
        hint=SERVER, notified="failure_rate (alerts run)", outcome="nothing changes"),
    Row("server-read", "mailchimp", faults("mailchimp.reports", "503"), read=True,
        requests="mailchimp.reports 503 ×4", waits=BACKOFF, exit=6,
        says="mailchimp GET /reports failed: HTTP 503: An unexpected internal error has occurred.",
        hint=SERVER, outcome="nothing changes"),
    Row("server-write", "twitter", faults("x.create", "500-after@1"),
        requests="x.create 500, x.me 200, x.timeline 200", says=X_DONE,
        outcome="draft published; 1 post on X"),
    Row("server-write", "linkedin", faults("linkedin.create", "500-after@1"),
        requests="linkedin.me 200, linkedin.create 500", exit=1,
        says=LI_CHECK.format(why="server"), notified="needs_check",
        outcome="draft needs-check; 1 post on LinkedIn"),
    Row("server-write", "hubspot", faults("hubspot.upsert", "500-after@1"),
        requests="hubspot.upsert 500, hubspot.upsert 200", waits=BACKOFF[:1],
        says=HS_DONE.format(new=0, updated=2), outcome="2 of 2 contacts in HubSpot"),
    Row("server-write", "google-analytics", "", na="GA4 is only read: see “503 on a read”"),
    Row("server-write", "sendgrid", faults("sendgrid.send", "500-after@1"),
        requests="sendgrid.send 500", exit=1,
        says=SG_CHECK.format(why="SendGrid failed (HTTP 500) while taking the email; it may or "
                             "may not have been queued"),
        notified="needs_check", outcome="email needs-check; 1 at SendGrid"),
    Row("server-write", "salesforce", faults("salesforce.create", "500-after@1"),
        requests="salesforce.query 200, salesforce.create 500, salesforce.query 200",
        says=SF_DONE.format(n=3), outcome="2 of 2 leads in Salesforce"),
    Row("server-write", "mailchimp", faults("mailchimp.send", "500-after@1"),
        requests=f"{MC_PRE}, mailchimp.send 500, mailchimp.campaign 200", says=MC_SENT,
        outcome=MC_ONCE),
    Row("html", "twitter", faults("x.create", "html@1"),
        requests="x.create 502, x.me 200, x.timeline 200, x.create 201", says=X_DONE,
        outcome="draft published; 1 post on X"),
    Row("html", "linkedin", faults("linkedin.create", "html@1"),
        requests="linkedin.me 200, linkedin.create 502", exit=1,
        says=LI_CHECK.format(why="server"), notified="needs_check",
        outcome="draft needs-check; 0 posts on LinkedIn"),
    Row("html", "hubspot", faults("hubspot.upsert", "html@1"),
        requests="hubspot.upsert 502, hubspot.upsert 200", waits=BACKOFF[:1],
        says=HS_DONE.format(new=2, updated=0), outcome="2 of 2 contacts in HubSpot"),
    Row("html", "google-analytics", faults("ga.report", "html@1"),
        requests="ga.token 200, ga.report 502, ga.report 200", waits=BACKOFF[:1], says=GA_FRESH,
        outcome="traffic stored"),
    Row("html", "sendgrid", faults("sendgrid.send", "html@1"),
        requests="sendgrid.send 502", exit=1,
        says=SG_CHECK.format(why="SendGrid failed (HTTP 502) while taking the email; it may or "
                             "may not have been queued"),
        notified="needs_check", outcome="email needs-check; 0 at SendGrid"),
    Row("html", "salesforce", faults("salesforce.create", "html@1"),
        requests="salesforce.query 200, salesforce.create 502, salesforce.query 200, "
        "salesforce.create 200", says=SF_DONE.format(n=4), outcome="2 of 2 leads in Salesforce"),
    Row("html", "mailchimp", faults("mailchimp.send", "html@1"),
        requests=f"{MC_PRE}, mailchimp.send 502, mailchimp.campaign 200, mailchimp.send 204, "
        "mailchimp.campaign 200", says=MC_SENT, outcome=MC_ONCE),
    Row("truncated", "twitter", faults("x.create", "truncate@1"),
        requests="x.create 201, x.me 200, x.timeline 200", says=X_DONE,
        outcome="draft published; 1 post on X"),
    Row("truncated", "linkedin", faults("linkedin.create", "truncate@1"),
        requests="linkedin.me 200, linkedin.create 201", says="Published <id> to LinkedIn.",
        outcome="draft published; 1 post on LinkedIn"),
    Row("truncated", "hubspot", faults("hubspot.upsert", "truncate@1"),
        requests="hubspot.upsert 200", exit=6,
        says="HubSpot answered POST /hubspot/crm/v3/objects/contacts/batch/upsert with JSON that "
        "is cut off or malformed.",
        hint="Retry later; if it persists, check MKTD_HUBSPOT_BASE_URL",
        outcome="2 of 2 contacts in HubSpot"),
    Row("truncated", "google-analytics", faults("ga.report", "truncate@1"),
        requests="ga.token 200, ga.report 200", exit=6,
        says="Google Analytics 4 answered POST /ga/v1beta/properties/987654321:runReport with "
        "JSON that is cut off or malformed.",
        hint="Retry later; if it persists, check MKTD_GOOGLE_ANALYTICS_BASE_URL",
        outcome="nothing stored"),
    Row("truncated", "sendgrid", faults("sendgrid.send", "truncate@1"),
        requests="sendgrid.send 202", says=SG_SENT, outcome="email sent; 1 at SendGrid"),
    Row("truncated", "mailchimp", faults("mailchimp.create", "truncate@1"),
        requests="mailchimp.list 200, mailchimp.create 200, mailchimp.campaigns 200, "
        "mailchimp.content 200, mailchimp.send 204, mailchimp.campaign 200", says=MC_SENT,
        outcome=MC_ONCE),
    # Network ----------------------------------------------------------------------------------
    Row("truncated", "salesforce", faults("salesforce.create", "truncate@1"),
        requests="salesforce.query 200, salesforce.create 200, salesforce.query 200",
        says=SF_DONE.format(n=3), outcome="2 of 2 leads in Salesforce"),
    Row("reset", "twitter", faults("x.create", "reset@1"),
        requests="x.create reset, x.me 200, x.timeline 200, x.create 201", says=X_DONE,
        outcome="draft published; 1 post on X"),
    Row("reset", "linkedin", faults("linkedin.create", "reset@1"),
        requests="linkedin.me 200, linkedin.create reset", exit=1,
        says=LI_CHECK.format(why="network"), notified="needs_check",
        outcome="draft needs-check; 0 posts on LinkedIn"),
    Row("reset", "hubspot", faults("hubspot.upsert", "reset@1"),
        requests="hubspot.upsert reset, hubspot.upsert 200", waits=BACKOFF[:1],
        says=HS_DONE.format(new=2, updated=0), outcome="2 of 2 contacts in HubSpot"),
    Row("reset", "google-analytics", faults("ga.report", "reset@1"),
        requests="ga.token 200, ga.report reset, ga.report 200", waits=BACKOFF[:1],
        says=GA_FRESH, outcome="traffic stored"),
    Row("reset", "sendgrid", faults("sendgrid.send", "reset@1"),
        requests="sendgrid.send reset", exit=1,
        says=SG_CHECK.format(why="sendgrid POST /v3/mail/send: network error (ReadError: "
                             "[Errno 104] Connection reset by peer)"),
        notified="needs_check", outcome="email needs-check; 0 at SendGrid"),
    Row("reset", "salesforce", faults("salesforce.query", "reset@1"),
        requests="salesforce.query reset, salesforce.query 200, salesforce.create 200",
        waits=BACKOFF[:1], says=SF_DONE.format(n=2), outcome="2 of 2 leads in Salesforce"),
    Row("reset", "mailchimp", faults("mailchimp.send", "reset@1"),
        requests=f"{MC_PRE}, mailchimp.send reset, mailchimp.campaign 200, mailchimp.send 204, "
        "mailchimp.campaign 200", says=MC_SENT, outcome=MC_ONCE),
    Row("timeout", "twitter", faults("x.create", f"timeout-after-create={HOLD}@1"),
        requests="x.create timeout-after-201, x.me 200, x.timeline 200", says=X_DONE,
        outcome="draft published; 1 post on X"),
    Row("timeout", "linkedin", faults("linkedin.create", f"timeout-after-create={HOLD}@1"),
        requests="linkedin.me 200, linkedin.create timeout-after-201", exit=1,
        says=LI_CHECK.format(why="timeout"), notified="needs_check",
        outcome="draft needs-check; 1 post on LinkedIn"),
    Row("timeout", "hubspot", faults("hubspot.upsert", f"timeout-after-create={HOLD}@1"),
        requests="hubspot.upsert timeout-after-200, hubspot.upsert 200", waits=BACKOFF[:1],
        says=HS_DONE.format(new=0, updated=2), outcome="2 of 2 contacts in HubSpot"),
    Row("timeout", "google-analytics", faults("ga.report", f"timeout-after-create={HOLD}@1"),
        requests="ga.token 200, ga.report timeout-after-200, ga.report 200", waits=BACKOFF[:1],
        says=GA_DONE(day="199,992", hour="39,992"),
        outcome="traffic stored"),
    Row("timeout", "sendgrid", faults("sendgrid.send", f"timeout-after-create={HOLD}@1"),
        requests="sendgrid.send timeout-after-202", exit=1,
        says=SG_CHECK.format(why="sendgrid POST /v3/mail/send: network error (ReadTimeout: "
                             "timed out)"),
        notified="needs_check", outcome="email needs-check; 1 at SendGrid"),
    Row("timeout", "salesforce", faults("salesforce.create", f"timeout-after-create={HOLD}@1"),
        requests="salesforce.query 200, salesforce.create timeout-after-200, salesforce.query 200",
        says=SF_DONE.format(n=3), outcome="2 of 2 leads in Salesforce"),
    Row("timeout", "mailchimp", faults("mailchimp.send", f"timeout-after-create={HOLD}@1"),
        requests=f"{MC_PRE}, mailchimp.send timeout-after-204, mailchimp.campaign 200",
        says=MC_SENT, outcome=MC_ONCE),
)  # fmt: skip
# Rows in the table's order: situation, then platform (branches that add a platform each append
# theirs; the order is fixed here, not by where a merge put them).
ROWS = tuple(
    sorted(ROWS, key=lambda r: (list(SITUATIONS).index(r.situation), list(LABEL).index(r.platform)))
)


# ------------------------------------------------------------------------------------------------
# The harness: a sandbox per row, the real `mktd` commands in-process, and what they left behind.
# ------------------------------------------------------------------------------------------------
class TestClock:
    """The one clock of a row: mktd's limiter, choke point, platform policies and the sandbox all
    read it. It starts at noon UTC (tomorrow's), twelve hours from any daily reset, and moves only when mktd
    sleeps on it, so a wait costs no wall time and a row reads the same whenever it runs."""

    __test__ = False  # not a test class, whatever its name says

    def __init__(self, start: float) -> None:
        self.at = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.at += seconds

    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep)


def tomorrow_utc(at_seconds: float) -> float:
    """`at_seconds` into tomorrow (UTC). What mktd still reads from the machine's clock (the
    alert rules' "now", credential and audit stamps) stays within two days of the test clock,
    and every reset the test clock computes lies after the machine's now, whenever a row runs
    (with today's noon, the alert rules would see LinkedIn's reset as past just after 00:00)."""
    return (time.time() // 86400 + 1) * 86400 + at_seconds


def run_on_test_clock(monkeypatch: pytest.MonkeyPatch, start: float) -> TestClock:
    """Every Deps of this test (each command builds one) runs on a test clock from `start`."""
    test_clock = TestClock(start)
    monkeypatch.setattr(Deps, "clock", test_clock.clock())
    return test_clock


@dataclass
class Observed:
    requests: str
    waits: list[float]
    exit: int
    says: str
    hint: str
    queued: str
    notified: str
    outcome: str
    audit_rows: int
    audited_requests: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sandbox_args(spec: str) -> tuple[str | None, dict[str, tuple[int, float]]]:
    if spec.startswith("--faults "):
        return spec.removeprefix("--faults "), {}
    name, _, value = spec.removeprefix("--limit ").partition("=")
    calls, _, seconds = value.partition("/")
    return None, {name: (int(calls), float(seconds))}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> TestClock:
    return run_on_test_clock(monkeypatch, tomorrow_utc(12 * 3600))


def _consent(sandbox_url: str) -> Callable[[str], bool]:
    """The person at the browser: open the authorize URL, press Allow, follow the redirect."""

    def open_browser(url: str) -> bool:
        with httpx.Client(timeout=10) as h:
            page = h.get(url)
            ticket = re.search(r'name="ticket" value="([^"]+)"', page.text)
            action = re.search(r'action="([^"]+)"', page.text)
            assert ticket and action, page.text[:300]
            form = {"ticket": ticket.group(1), "decision": "allow"}
            allowed = h.post(sandbox_url + action.group(1), data=form)
            assert allowed.status_code == 302
            assert h.get(allowed.headers["location"]).status_code == 200  # the loopback page
        return True

    return open_browser


def _run(cli: Callable[..., Any], row: Row, work: Path) -> Any:
    contacts = work / "contacts.csv"
    contacts.write_text("email,firstname\nada@example.org,Ada\ngrace@example.org,Grace\n")
    if row.platform == "salesforce":  # a Lead needs LastName and Company
        contacts.write_text("email,firstname,lastname,company\nada@example.org,Ada,Lovelace,AE\n"
                            "grace@example.org,Grace,Hopper,Navy\n")  # fmt: skip
    body = work / "body.txt"
    body.write_text("Hello from the fault matrix.\n")
    p = row.platform
    if row.read:
        if p in ("twitter", "linkedin"):
            return cli("test-integration", p)
        if p == "hubspot":
            return cli("crm", "contacts", "get", "ada@example.org")
        if p == "sendgrid":
            return cli("email", "stats")
        if p == "salesforce":
            return cli("crm", "contacts", "get", "ada@example.org", "--platform", p)
        if p == "mailchimp":
            return cli("email", "stats", "--platform", "mailchimp")
    if p in ("twitter", "linkedin"):
        return cli("social", p, "--text", f"The fault matrix on {LABEL[p]}.", "--publish", "--yes")
    if p == "hubspot":
        return cli("crm", "contacts", "import", str(contacts))
    if p == "salesforce":
        return cli("crm", "contacts", "import", str(contacts), "--platform", p)
    if p == "google-analytics":
        return cli("ga", "traffic", "--since", "7d")
    if p == "mailchimp":
        return cli("email", "send", "--via", "mailchimp", "--audience", "sbxaud0001", "--subject",
                   "Fault matrix", "--body-file", str(body), "--yes")  # fmt: skip
    return cli("email", "send", "--subject", "Fault matrix", "--body-file", str(body),
               "--to", "ada@example.org", "--yes")  # fmt: skip


def _lines(result: Any) -> tuple[str, str]:
    """The line that says what happened, and the hint line (or "")."""
    err = [x.rstrip() for x in result.stderr.splitlines() if x.strip()]
    out = [x.rstrip() for x in result.stdout.splitlines() if x.strip()]
    says = next((x.removeprefix("Error: ") for x in err if x.startswith("Error: ")), None)
    hint = next((x.removeprefix("Hint: ") for x in err if x.startswith("Hint: ")), "")
    check = next((x for x in out if x[:1] in "✓✗–"), None)  # test-integration's verdict
    if check is not None:
        says = " ".join(check.split())
        hint = next((x.strip().removeprefix("hint: ") for x in out if "hint: " in x), "")
    if says is None:
        says = err[-1] if err else ""
    return says, hint


def _requests(sandbox_url: str, before: int) -> tuple[list[dict[str, Any]], str]:
    log = httpx.get(f"{sandbox_url}/_sandbox/requests", timeout=10).json()["requests"][before:]
    parts: list[list[Any]] = []
    for r in log:
        what = f"{r['route']} {r['outcome']}"
        if parts and parts[-1][0] == what:
            parts[-1][1] += 1
        else:
            parts.append([what, 1])
    return log, ", ".join(w if n == 1 else f"{w} ×{n}" for w, n in parts)


def _queued(db: sqlite3.Connection, started: float) -> str:
    rows = db.execute("select kind, due_utc from jobs order by due_utc").fetchall()
    out = []
    for kind, due in rows:
        at = datetime.fromisoformat(due.replace("Z", "+00:00"))
        if at.strftime("%H:%M:%S") == "00:00:00":
            when = "00:00 UTC"
        else:
            from mktdirector.core.ratelimit import format_wait

            when = f"in {format_wait(at.timestamp() - started)}"
        out.append(f"{kind} job, due {when}")
    return "; ".join(out) or "—"


def _kinds(db: sqlite3.Connection) -> list[str]:
    return [k for (k,) in db.execute("select kind from notifications order by created_utc, id")]


def _outcome(row: Row, db: sqlite3.Connection, state: dict[str, Any]) -> str:
    p = row.platform
    if row.read and p != "google-analytics":
        return "nothing changes"
    if p in ("twitter", "linkedin"):
        (status,) = db.execute("select status from drafts").fetchone()
        n = len(state["posts"]["x" if p == "twitter" else "linkedin"])
        return f"draft {status}; {n} post{'s' * (n != 1)} on {LABEL[p]}"
    if p == "hubspot":
        return f"{len(state['contacts'])} of 2 contacts in HubSpot"
    if p == "salesforce":
        return f"{len(state['salesforce']['leads'])} of 2 leads in Salesforce"
    if p == "google-analytics":
        (n,) = db.execute("select count(*) from traffic_snapshots").fetchone()
        return "traffic stored" if n else "nothing stored"
    local = [s for (s,) in db.execute("select status from emails")]
    if p == "mailchimp":
        sends = sum(c.get("send_count") or 0 for c in state["mailchimp"]["campaigns"])
        made = len(state["mailchimp"]["campaigns"])
        return (f"email {local[0] if local else 'not recorded'}; {made} campaign(s), "
                f"sent {sends} time(s) at Mailchimp")  # fmt: skip
    n = len(state["emails"])
    return f"email {local[0] if local else 'not recorded'}; {n} at SendGrid"


def observe(row: Row, cli: Callable[..., Any], home: Path, work: Path, clock: TestClock,
            monkeypatch: pytest.MonkeyPatch) -> Observed:  # fmt: skip
    """Run the row's command against a fresh sandbox with the row's fault; collect it all."""
    spec, limits = _sandbox_args(row.sandbox)
    with Sandbox(port=0, state_dir=work / "sandbox", faults=spec, limits=limits,
                 clock=clock.now) as sb:  # fmt: skip
        for k, v in sb.env().items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("COLUMNS", "250")  # one line per message, as on a wide terminal
        assert cli("init").exit_code == 0
        assert cli("config", "set", "http.timeout", str(HTTP_TIMEOUT)).exit_code == 0
        if row.authorized:
            env = {"twitter": "TWITTER_ACCESS_TOKEN", "salesforce": "SALESFORCE_ACCESS_TOKEN"}
            monkeypatch.delenv(env[row.platform])
            monkeypatch.setattr(webbrowser, "open", _consent(sb.url))
            done = cli("authorize", row.platform, "--port", str(_free_port()))
            assert done.exit_code == 0, done.stderr
        db = sqlite3.connect(home / "mktd.db")
        try:
            (audit_before,) = db.execute("select count(*) from http_calls").fetchone()
            before = len(httpx.get(f"{sb.url}/_sandbox/requests", timeout=10).json()["requests"])
            started = clock.now()
            result = _run(cli, row, work)
            if result.exception and not isinstance(result.exception, SystemExit):
                raise result.exception
            log, requests = _requests(sb.url, before)
            (audit_after,) = db.execute("select count(*) from http_calls").fetchone()
            at_once = _kinds(db)
            assert cli("alerts", "run").exit_code == 0
            later = _kinds(db)[len(at_once) :]
            says, hint = _lines(result)
            notified = ", ".join(at_once)
            if later:
                notified += f"{', then ' if notified else ''}{', '.join(later)} (alerts run)"
            return Observed(
                requests=requests,
                waits=list(clock.sleeps),
                exit=result.exit_code,
                says=says,
                hint=hint,
                queued=_queued(db, started),
                notified=notified or "—",
                outcome=_outcome(row, db, sb.state()),
                audit_rows=audit_after - audit_before,
                audited_requests=len(log),  # OAuth token calls too: they use the choke point
            )
        finally:
            db.close()


# `<…>` in `says` and `hint`: values that differ from run to run.
PLACEHOLDERS = {
    "<id>": r"[0-9A-HJKMNP-TV-Z]{26}",
    "<file>": r"\S+",
    "<time>": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
    "<wait>": r"\d+(?:\.\d)? (?:s|min|h)",
    "<message id>": r"[\w-]+",
    "<url>": r"\S+",
}


def matches(expected: str, actual: str) -> bool:
    pattern = re.escape(expected)
    for name, rx in PLACEHOLDERS.items():
        pattern = pattern.replace(re.escape(name), rx)
    return re.fullmatch(pattern, actual) is not None


def test_every_situation_and_platform_has_a_row() -> None:
    platforms = list(LABEL)
    assert [(r.situation, r.platform) for r in ROWS] == [
        (s, p) for s in SITUATIONS for p in platforms
    ]


@pytest.mark.slow  # a sandbox server and the real commands per row
@pytest.mark.parametrize("row", [r for r in ROWS if not r.na], ids=lambda r: r.id)
def test_fault(row: Row, cli, home, tmp_path, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen = observe(row, cli, home, tmp_path, clock, monkeypatch)
    assert seen.requests == row.requests
    assert seen.audit_rows == seen.audited_requests  # every request left its audit row
    # On the test clock no time passes while a request is out, so a wait for an announced reset
    # is exact; mktd adds a millisecond to land after it.
    assert len(seen.waits) == len(row.waits) and all(
        lo <= w <= hi + 0.01 for w, (lo, hi) in zip(seen.waits, row.waits, strict=True)
    ), seen.waits
    assert seen.exit == row.exit
    assert matches(row.says, seen.says), seen.says
    assert matches(row.hint, seen.hint), seen.hint
    assert seen.queued == row.queued
    assert seen.notified == row.notified
    assert seen.outcome == row.outcome


@pytest.mark.slow  # a sandbox server and the real commands
def test_a_daily_reset_row_ten_seconds_before_midnight(cli, home, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The matrix runs on the test clock, not the machine's: started 10 s before 00:00 UTC,
    LinkedIn's daily-limit row tells the user the same, and its wait costs no wall time.

    What changes is only what happens on the wire: a reset 10 s away fits the retry budget, so
    mktd waits for it (on the test clock) and asks again at 00:00, when the new day's limit
    refuses it too.
    """
    row = next(r for r in ROWS if r.id == "rate-long-linkedin")
    clock = run_on_test_clock(monkeypatch, tomorrow_utc(86400 - 10))
    started = time.monotonic()
    seen = observe(row, cli, home, tmp_path, clock, monkeypatch)
    assert time.monotonic() - started < 5
    assert seen.exit == row.exit
    assert matches(row.says, seen.says), seen.says
    assert matches(row.hint, seen.hint), seen.hint
    assert seen.queued == row.queued  # due at the next 00:00 UTC, a day after the test's start
    assert seen.notified == row.notified
    assert seen.outcome == row.outcome
    assert seen.requests == "linkedin.me 200, linkedin.create 429 ×2"
    assert seen.waits == [pytest.approx(10, abs=0.01)]
    assert seen.audit_rows == seen.audited_requests


# ------------------------------------------------------------------------------------------------
# docs/reliability.md: its table section is generated from ROWS.
# ------------------------------------------------------------------------------------------------
DOC = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"
START, END = "<!-- matrix:start -->", "<!-- matrix:end -->"


def _seconds(x: float) -> str:
    return f"{x:g}"


def render_waits(waits: tuple[tuple[float, float], ...]) -> str:
    if not waits:
        return "—"
    return ", ".join(
        f"{_seconds(lo)} s" if hi - lo < 0.01 else f"{_seconds(lo)}–{_seconds(hi)} s"
        for lo, hi in waits
    )


def _cell(text: str) -> str:
    # Placeholders such as <id> would vanish as unknown HTML tags when the page is rendered.
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def render_matrix() -> str:
    """The Markdown of the matrix: one section per situation, one row per platform."""
    out = [
        f"Generated from `ROWS` in `tests/test_fault_matrix.py` (run it as a script to "
        f"regenerate); every row is a test. Timeouts use `http.timeout = {HTTP_TIMEOUT:g}`.",
        "",
    ]
    for key, (group, title) in SITUATIONS.items():
        out += [f"### {group}: {title}", ""]
        out += [
            "| platform | sandbox | command | requests | waits | exit | says | hint | queued "
            "| notified | outcome |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in (r for r in ROWS if r.situation == key):
            if r.na:
                out.append(f"| {LABEL[r.platform]} | n/a: {_cell(r.na)} |" + " |" * 9)
                continue
            setup = f" (after `mktd authorize {r.platform}`)" if r.authorized else ""
            cells = [LABEL[r.platform], f"`{r.sandbox}`", f"`{r.command}`{setup}", r.requests,
                     render_waits(r.waits), str(r.exit), r.says, r.hint, r.queued, r.notified,
                     r.outcome]  # fmt: skip
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def generated_doc(current: str) -> str:
    """`current` with the text between the matrix markers replaced by `render_matrix()`."""
    head, start, rest = current.partition(START)
    _, end, tail = rest.partition(END)
    assert start and end, f"{DOC} needs the markers {START} and {END}"
    return f"{head}{START}\n{render_matrix()}{END}{tail}"


def test_reliability_doc_is_current() -> None:
    current = DOC.read_text(encoding="utf-8")
    assert current == generated_doc(current), (
        "docs/reliability.md is out of date: run `python tests/test_fault_matrix.py`"
    )


if __name__ == "__main__":
    DOC.write_text(generated_doc(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
