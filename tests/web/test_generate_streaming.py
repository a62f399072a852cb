"""Generate streams: the model's text shows on the task page (polled every second) while the
model is still writing, for LinkedIn posts and for X threads (whose structured reply is shown
post by post as its JSON arrives); the server answers other requests meanwhile."""

from __future__ import annotations

import json
import threading
import time

from fakes import FakeLLM


class StreamingLLM(FakeLLM):
    """Writes its reply in pieces through on_text, then holds the rest until released."""

    def __init__(self, *replies):
        super().__init__(*replies)
        self.release = threading.Event()
        self.streamed = threading.Event()

    def complete(self, **kw):
        on_text = kw.pop("on_text", None)
        reply = self.replies[0]
        text = reply if isinstance(reply, str) else json.dumps(reply)
        half = len(text) // 2
        if on_text is not None:
            on_text(text[:half])
        self.streamed.set()
        assert self.release.wait(10)
        if on_text is not None:
            on_text(text[half:])
        return super().complete(**kw)


def start(browser, csrf_of, **form):
    token = csrf_of(browser.get("/ui/generate").text)
    r = browser.post("/ui/generate", data={"csrf": token, **form})
    assert r.status_code == 303, r.text
    return r.headers["location"]


def partial(browser, url: str) -> str:
    r = browser.get(url, headers={"HX-Request": "true"})
    assert r.status_code == 200
    return r.text


def wait_done(browser, url: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = browser.get(url, headers={"HX-Request": "true"})
        if r.status_code == 204:
            return r.headers["hx-redirect"]
        time.sleep(0.05)
    raise AssertionError("generation did not finish")


def test_a_linkedin_post_shows_while_the_model_writes(browser, csrf_of, wiring, api):
    text = "Streaming makes the wait feel shorter. Here is the second half of the post."
    wiring.llm = StreamingLLM(text)
    url = start(browser, csrf_of, topic="streaming", platform="linkedin")
    assert wiring.llm.streamed.wait(10)
    shown = partial(browser, url)
    assert text[: len(text) // 2] in shown and "second half" not in shown
    assert 'hx-trigger="every 1s"' in shown  # the page keeps polling
    assert api.get("/drafts").status_code == 200  # the server is not blocked meanwhile
    wiring.llm.release.set()
    assert wait_done(browser, url).startswith("/ui/drafts/")


def test_an_x_thread_shows_post_by_post_while_the_model_writes(browser, csrf_of, wiring, api):
    posts = ["First post of the thread, the hook.", "Second post with the detail.",
             "Third post with the ask."]  # fmt: skip
    wiring.llm = StreamingLLM({"posts": posts})
    url = start(browser, csrf_of, topic="threads", platform="twitter", thread_length="3")
    assert wiring.llm.streamed.wait(10)
    shown = partial(browser, url)
    assert "First post of the thread, the hook." in shown
    assert '{"posts"' not in shown  # the JSON is read, not dumped on the page
    wiring.llm.release.set()
    target = wait_done(browser, url)
    did = target.rsplit("/", 1)[1]
    assert "Third post with the ask." in api.get(f"/drafts/{did}").json()["text"]


def test_posts_so_far_reads_a_cut_json_reply() -> None:
    from mktdirector.web.generating import posts_so_far

    assert posts_so_far('{"po') == ""
    assert posts_so_far('{"posts": ["One \\"quoted\\" post", "Two, cut her') == (
        'One "quoted" post\n---\nTwo, cut her'
    )
    assert posts_so_far('{"posts": ["Ends on a cut escape \\') == "Ends on a cut escape "
    assert posts_so_far('{"posts": ["a\\nb"]}') == "a\nb"
    repaired = '{"posts": ["too long"]}{"posts": ["fixed", "sec'  # a repair round streams again
    assert posts_so_far(repaired) == "fixed\n---\nsec"


def test_a_structured_reply_streams_its_json_through_on_text() -> None:
    """The LLM client streams a schema-bound reply too when asked (the X thread's JSON), and
    still checks it against the schema at the end."""
    import httpx2

    from mktdirector.llm import OpenAILLM

    reply = json.dumps({"posts": ["a", "b"]})
    parts = [reply[:7], reply[7:]]
    chunks = [
        {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-5-mini",
         "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
        for p in parts
    ]  # fmt: skip
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    sent: list[dict] = []

    def handler(request):
        sent.append(json.loads(request.content))
        return httpx2.Response(
            200, content=sse.encode(), headers={"content-type": "text/event-stream"}
        )

    llm = OpenAILLM(
        api_key="sk-test-streaming-0123456789", base_url="http://llm.test/v1", model="gpt-5-mini",
        max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )  # fmt: skip
    schema = {"type": "object", "properties": {"posts": {"type": "array"}}, "required": ["posts"]}
    seen: list[str] = []
    c = llm.complete(system="s", prompt="p", schema=schema, on_text=seen.append)
    assert seen == parts and c.data == {"posts": ["a", "b"]}
    assert sent[0]["stream"] is True and sent[0]["response_format"]["type"] == "json_schema"
