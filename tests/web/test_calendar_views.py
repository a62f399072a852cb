"""The calendar by week (a grid: 7 columns, Monday first, posts and scheduled jobs in each
day) and by day (one day's entries in time order), each with previous/next links, the next
free slot per platform, and reschedule and cancel as before."""

from __future__ import annotations

import re
from datetime import date, timedelta


def approved(api, text: str) -> str:
    did = api.post("/social/linkedin/posts", json={"text": text}).json()["draft_id"]
    etag = api.get(f"/drafts/{did}").headers["etag"]
    assert api.post(f"/drafts/{did}/approve", headers={"If-Match": etag}).status_code == 200
    return did


def _cells(html: str) -> list[list[str]]:
    grid = html[html.index('<table class="calendar week"') :]
    grid = grid[: grid.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", grid, re.S)
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S) for r in rows]


def test_the_week_view_is_a_grid_of_seven_days_with_the_post_in_its_day(api, browser, csrf_of):
    did = approved(api, "In the week grid")
    due = api.post(f"/drafts/{did}/schedule", json={"at": "in 26h"})
    assert due.status_code == 200, due.text
    page = browser.get("/ui/calendar?view=week")
    assert page.status_code == 200
    head, *weeks = _cells(page.text)
    assert [h.strip()[:3] for h in head] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert weeks and all(len(w) == 7 for w in weeks)
    holding = [c for w in weeks for c in w if "In the week grid" in c]
    assert len(holding) == 1 and "scheduled" in holding[0]
    assert f'action="/ui/calendar/{did}/move"' in holding[0]
    assert f'action="/ui/calendar/{did}/cancel"' in holding[0]
    assert "Next free slot" in page.text
    assert 'href="/ui/calendar?view=day' in page.text  # switch to the day view


def test_the_day_view_shows_one_day_and_links_the_next(api, browser):
    did = approved(api, "On one day")
    api.post(f"/drafts/{did}/schedule", json={"at": "in 26h"})
    day = browser.get("/ui/calendar").text  # any view: find the day the post landed on
    week = browser.get("/ui/calendar?view=week").text
    assert "On one day" in week
    near = [(date.today() + timedelta(days=n)).isoformat() for n in range(0, 3)]
    hits = [d for d in near if "On one day" in browser.get(f"/ui/calendar?view=day&start={d}").text]
    assert len(hits) == 1
    page = browser.get(f"/ui/calendar?view=day&start={hits[0]}").text
    nxt = (date.fromisoformat(hits[0]) + timedelta(days=1)).isoformat()
    assert f"start={nxt}" in page and "week" in page
    assert day  # the default view renders too
    other = browser.get(f"/ui/calendar?view=day&start={nxt}").text
    assert "On one day" not in other


def test_an_unknown_view_is_a_clear_refusal(browser):
    r = browser.get("/ui/calendar?view=year")
    assert r.status_code == 422 and "view=month" in r.text  # the hint names the views


def test_the_month_view_is_whole_weeks_from_the_first_to_the_last_day():
    from mktdirector.web.pages_more import calendar_window

    today = date(2026, 12, 5)
    # February 2027 starts on a Monday and ends on a Sunday: exactly four weeks.
    start, days, prev, nxt = calendar_window("month", date(2027, 2, 10), today)
    assert (start, days, prev, nxt) == (date(2027, 2, 1), 28, date(2027, 1, 1), date(2027, 3, 1))
    # December 2026: Tuesday the 1st to Thursday the 31st -> Monday 30 Nov to Sunday 3 Jan.
    start, days, prev, nxt = calendar_window("month", None, today)
    assert (start, days) == (date(2026, 11, 30), 35)
    assert (prev, nxt) == (date(2026, 11, 1), date(2027, 1, 1))
    # A week starts on Monday whatever day is asked for; a day is itself.
    assert calendar_window("week", date(2026, 12, 10), today)[:2] == (date(2026, 12, 7), 14)
    assert calendar_window("day", None, today)[0] == today


def test_a_post_forty_days_out_is_in_its_month_and_not_the_next(api, browser):
    did = approved(api, "Forty days out")
    due = date.today() + timedelta(days=40)
    r = api.post(f"/drafts/{did}/schedule", json={"at": f"{due.isoformat()} 12:00"})
    assert r.status_code == 200, r.text
    page = browser.get(f"/ui/calendar?view=month&start={due.isoformat()}").text
    assert due.strftime("%B %Y") in page
    head, *weeks = _cells(page.replace('class="calendar month"', 'class="calendar week"'))
    holding = [c for w in weeks for c in w if "Forty days out" in c]
    assert len(holding) == 1 and f">{due.isoformat()}</a>" in holding[0]
    after = (due.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert f"view=month&amp;start={after.isoformat()}" in page  # next month's link
    later = browser.get(f"/ui/calendar?view=month&start={after.isoformat()}").text
    # The next month's grid may begin with the last days of this month, greyed as outside it:
    # the post may show there only in such a cell.
    cells = re.findall(r'<td class="([^"]*)">(.*?)</td>', later, re.S)
    assert all("outside" in cls for cls, body in cells if "Forty days out" in body)
    next_grid_start = after - timedelta(days=after.weekday())
    expected = 1 if due >= next_grid_start else 0
    assert sum("Forty days out" in body for _, body in cells) == expected


def test_go_to_a_date_and_today_links(browser):
    page = browser.get("/ui/calendar?view=week&start=2027-03-17").text
    assert 'name="start"' in page and 'type="date"' in page
    assert "start=2027-03-15" in page  # the Monday the grid starts on
    assert f"start={date.today().isoformat()}" in page  # back to today
    assert "view=month&amp;start=2027-03-15" in page


def test_the_grid_forms_carry_the_csrf_token(api, browser, csrf_of):
    did = approved(api, "Cancel from the grid")
    api.post(f"/drafts/{did}/schedule", json={"at": "in 2h"})
    page = browser.get("/ui/calendar?view=week").text
    token = csrf_of(page)
    assert token and page.count(f'value="{token}"') >= 2  # move and cancel
    r = browser.post(f"/ui/calendar/{did}/cancel", data={"csrf": token})
    assert r.status_code == 303
    assert "Cancel from the grid" not in browser.get("/ui/calendar?view=week").text
