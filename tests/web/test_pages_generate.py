"""Generate: the form answers at once, the page polls the task, the draft is saved by the same
flow as `mktd social --topic`."""

from __future__ import annotations

import threading
import time

from fakes import FakeLLM


class SlowLLM(FakeLLM):
    """Holds its answer until the test lets it go: proves the server answered before it."""

    def __init__(self, *replies):
        super().__init__(*replies)
        self.release = threading.Event()

    def complete(self, **kw):
        assert self.release.wait(10)
        return super().complete(**kw)


def start(browser, csrf_of, **form):
    token = csrf_of(browser.get("/ui/generate").text)
    return browser.post("/ui/generate", data={"csrf": token, **form})


def wait_done(browser, url: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = browser.get(url, headers={"HX-Request": "true"})
        if r.status_code == 204 or "failed" in r.text:
            return r.headers.get("hx-redirect") or r.text
        time.sleep(0.05)
    raise AssertionError("generation did not finish")


def test_generate_answers_before_the_llm_does_and_then_opens_the_draft(
    browser, csrf_of, wiring, api
):
    wiring.llm = SlowLLM("Generated in the background.")
    r = start(browser, csrf_of, topic="AI ROI", platform="linkedin", style="casual", cta="true")
    assert r.status_code == 303  # answered while the model still holds its reply
    url = r.headers["location"]
    page = browser.get(url)
    assert page.status_code == 200 and "running" in page.text and "every 1s" in page.text
    assert api.get("/drafts").json()["items"] == []
    wiring.llm.release.set()
    target = wait_done(browser, url)
    assert target.startswith("/ui/drafts/")
    did = target.rsplit("/", 1)[1]
    assert api.get(f"/drafts/{did}").json()["text"] == "Generated in the background."


def test_a_generation_without_an_llm_fails_with_the_ways_to_configure_one(browser, csrf_of):
    r = start(browser, csrf_of, topic="AI ROI", platform="twitter")
    text = wait_done(browser, r.headers["location"])
    assert "failed" in text and "OPENAI_API_KEY" in text


def test_the_generate_form_needs_csrf_and_a_topic(browser, csrf_of, wiring):
    assert browser.post("/ui/generate", data={"topic": "x"}).status_code == 403
    token = csrf_of(browser.get("/ui/generate").text)
    assert browser.post("/ui/generate", data={"csrf": token, "topic": ""}).status_code == 422


def test_an_unknown_task_is_404(browser):
    assert browser.get("/ui/generate/nope").status_code == 404


def test_generate_an_email_uses_the_email_drafting_flow(browser, csrf_of, wiring, api):
    wiring.llm = FakeLLM(
        {"subject": "Your seat is ready", "preheader": "Starts Monday",
         "text": "Hi,\n\nThe course starts Monday. Reply if you have questions."}
    )  # fmt: skip
    r = start(browser, csrf_of, topic="Course launch", platform="email")
    target = wait_done(browser, r.headers["location"])
    assert target.startswith("/ui/drafts/"), target
    draft = api.get(f"/drafts/{target.rsplit('/', 1)[1]}").json()
    assert draft["platform"] == "email" and draft["body"]["subject"] == "Your seat is ready"
    page = browser.get(target).text
    assert "Your seat is ready" in page
