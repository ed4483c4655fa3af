"""The LLM narrative and follow-up against a fake OpenAI server on 127.0.0.1: validated or None."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import openai
import pytest

from insight.followup_llm import llm_followup
from insight.narrative import write_narrative
from passport.digest import render_digest, short_quote
from passport.profile import Profile, build_profile, inputs_from_records
from tests.insight.conftest import NOW, make_records
from tests.insight.fake_llm import FakeChatServer, running_fake


@pytest.fixture
async def fake() -> AsyncIterator[FakeChatServer]:
    async with running_fake() as server:
        yield server


@pytest.fixture
def client(fake: FakeChatServer) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="test", base_url=fake.base_url, max_retries=0)


@pytest.fixture
def profile() -> Profile:
    signals, entries = make_records(20)
    inputs = inputs_from_records(signals, entries, now=NOW, since_last_digest=NOW - timedelta(7))
    return build_profile(inputs, now=NOW)


async def _write(profile: Profile, client: openai.AsyncOpenAI) -> str | None:
    return await write_narrative(profile, client=client, model="fake", timeout=2.0)


async def test_valid_narrative_is_kept_and_fits_the_digest(
    profile: Profile, fake: FakeChatServer, client: openai.AsyncOpenAI
) -> None:
    top = profile.skills[0]
    quote = short_quote(top.latest_evidence)
    text = f'You keep showing {top.label}. You wrote "{quote}" and it shows.'
    fake.reply({"text": text, "skills_mentioned": [top.label]})
    narrative = await _write(profile, client)
    assert narrative == text
    digest = render_digest(profile, now=NOW, narrative=narrative)
    assert narrative in digest and len(digest) <= 900
    sent = fake.requests[0]["messages"][1]["content"]
    assert top.label in sent and "Week 1:" not in sent  # facts only, never the journal


@pytest.mark.parametrize(
    "reply",
    [
        {"text": 'You wrote "I led the whole school trip" and it shows.', "skills_mentioned": []},
        {"text": "You are great at welding.", "skills_mentioned": ["welding"]},
        {"text": "You show skill in Haskell and JavaScript every week.", "skills_mentioned": []},
        {"text": "You reflected 40 weeks in a row!", "skills_mentioned": []},
        {"text": "x" * 500, "skills_mentioned": []},
        {"text": "**Great** work", "skills_mentioned": []},
        ["not", "an", "object"],
    ],
    ids=[
        "invented-quote",
        "unknown-skill-listed",
        "unknown-skill-named",
        "number",
        "long",
        "markdown",
        "shape",
    ],
)
async def test_invented_content_is_dropped(
    profile: Profile, fake: FakeChatServer, client: openai.AsyncOpenAI, reply: object
) -> None:
    fake.reply(reply)  # type: ignore[arg-type]
    assert await _write(profile, client) is None


async def test_server_error_and_timeout_give_none(
    profile: Profile, fake: FakeChatServer, client: openai.AsyncOpenAI
) -> None:
    fake.reply("", status=500)
    assert await _write(profile, client) is None
    fake.reply({"text": "fine", "skills_mentioned": []}, delay=3)
    assert await write_narrative(profile, client=client, model="fake", timeout=0.3) is None


async def test_llm_followup_is_validated(fake: FakeChatServer, client: openai.AsyncOpenAI) -> None:
    entry = "The robot kept falling over but we fixed the wheels before the contest."
    fake.reply("What made the wheels so tricky to fix?")
    got = await llm_followup(entry, ["repair machinery"], 0, client=client, model="f", timeout=2)
    assert got == "What made the wheels so tricky to fix?"
    fake.reply("Great job! Keep going. What next? And why?")
    assert await llm_followup(entry, [], 0, client=client, model="f", timeout=2) is None
    fake.reply("Why " + "really " * 30 + "?")
    assert await llm_followup(entry, [], 1, client=client, model="f", timeout=2) is None
    n = len(fake.requests)
    assert await llm_followup(entry, [], 2, client=client, model="f", timeout=2) is None
    assert len(fake.requests) == n  # the limit is checked before asking anyone
