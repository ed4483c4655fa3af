"""Multi-workspace: OAuth install, sealed tokens, isolation between workspaces, uninstall."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from passport.errors import RecipientGone
from passport.messages import Address, Outbound
from tests.fakes.slack_api import Team
from tests.slack.test_member_week import onboard


async def install(rig, team_id: str, token: str) -> None:
    """Walk the OAuth v2 flow: /slack/install, then Slack's redirect with a code."""
    page = await rig.client.get("/slack/install")
    assert page.status == 200
    state = re.search(r"state=([\w-]+)", await page.text()).group(1)
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    code = f"code-{team_id}"
    rig.fake.oauth_codes[code] = Team(
        team_id, token, bot_user_id=f"UBOT{team_id}", bot_id=f"B{team_id}"
    )
    done = await rig.client.get(
        f"/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": cookie}
    )
    assert done.status == 200, await done.text()


@pytest.fixture
async def multi(make_rig, fake_slack, db_url):
    """UTP installed in two workspaces over OAuth (no SLACK_BOT_TOKEN), SQLite and PostgreSQL."""
    fake_slack.teams.clear()
    rig = await make_rig(
        database_url=db_url,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
    )
    await install(rig, "TA", "xoxb-oauth-a")
    await install(rig, "TB", "xoxb-oauth-b")
    return rig


async def test_tokens_are_stored_sealed(multi):
    async with multi.app.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT team_id, bot_token FROM slack_bots"))).all()
        installs = (await conn.execute(text("SELECT bot_token FROM slack_installations"))).all()
    assert {r.team_id for r in rows} == {"TA", "TB"}
    for (token,) in [(r.bot_token,) for r in rows] + list(installs):
        assert token.startswith("utp1:") and "xoxb" not in token


async def test_two_workspaces_are_isolated(multi):
    # The same user id in two workspaces is two people, each answered with their own token.
    await onboard(multi, "UALICE", "TA")
    await multi.slack.message("TB", "UALICE", "hi")
    await multi.settle()
    in_a, in_b = await multi.person("TA", "UALICE"), await multi.person("TB", "UALICE")
    assert in_a.id != in_b.id and in_a.onboarded and not in_b.onboarded
    tokens = {
        c.token for c in multi.fake.called("chat.postMessage") if c.args.get("team_id") == "TB"
    }
    assert tokens == {"xoxb-oauth-b"}
    await multi.channel.send(Address("slack", "UALICE", "", ":TA"), [Outbound(text="for A")])
    (last,) = [c for c in multi.fake.called("chat.postMessage") if c.args["text"] == "for A"]
    assert last.token == "xoxb-oauth-a"


async def test_uninstall_stops_every_call_to_that_workspace(multi):
    await onboard(multi, "UALICE", "TA")
    await onboard(multi, "UBOB", "TB")
    sent = await multi.slack.event("TA", {"type": "app_uninstalled"})
    assert sent.status == 200
    calls = len(multi.fake.calls)
    with pytest.raises(RecipientGone):
        await multi.channel.send(
            Address("slack", "UALICE", "DUALICE", ":TA"), [Outbound(text="nudge")]
        )
    assert len(multi.fake.calls) == calls  # not even an attempt
    await multi.channel.send(Address("slack", "UBOB", "DUBOB", ":TB"), [Outbound(text="hi B")])
    async with multi.app.engine.connect() as conn:
        teams = (await conn.execute(text("SELECT team_id FROM slack_bots"))).scalars().all()
    assert teams == ["TB"]


async def test_single_workspace_tokens_revoked_stops_calls(make_rig):
    rig = await make_rig()
    await onboard(rig)
    await rig.slack.event("TA", {"type": "tokens_revoked", "tokens": {"bot": ["UBOTTA"]}})
    with pytest.raises(RecipientGone):
        await rig.channel.send(
            Address("slack", "UALICE", "DUALICE", ":TA"), [Outbound(text="nudge")]
        )


async def test_a_workspace_that_never_installed_is_answered_but_nothing_stored(multi):
    sent = await multi.slack.message("TC", "UCAROL", "hello")
    assert sent.status == 200
    await multi.settle()
    assert await multi.person("TC", "UCAROL") is None


async def test_installing_again_after_uninstall_resumes_calls(multi):
    await multi.slack.event("TA", {"type": "app_uninstalled"})
    with pytest.raises(RecipientGone):
        await multi.channel.send(
            Address("slack", "UALICE", "DUALICE", ":TA"), [Outbound(text="nudge")]
        )
    await install(multi, "TA", "xoxb-oauth-a2")
    await multi.channel.send(
        Address("slack", "UALICE", "DUALICE", ":TA"), [Outbound(text="welcome back")]
    )
    (call,) = [
        c for c in multi.fake.called("chat.postMessage") if c.args["text"] == "welcome back"
    ]
    assert call.token == "xoxb-oauth-a2"
