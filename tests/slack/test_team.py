"""The team skill map through the real Bolt app and the fake Slack Web API: opt-in, thresholds,
counts only (no member's words, name or id anywhere), leaving, workspaces apart, the weekly
post, and exports."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.scheduler import run_tick
from passport.signals import ExtractionResult, SkillHit
from tests.conftest import START
from tests.fakes.extractor import FakeExtractor
from tests.slack.test_member_week import onboard
from tests.slack.test_workspaces import install

ESCO = "http://data.europa.eu/esco/skill/"
RULES = {  # keyword → a real ESCO skill (the map names skills from the shipped taxonomy)
    "team": (ESCO + "60c78287-22eb-4103-9c8c-28deaa460da0", "work in teams", "T4"),
    "spreadsheet": (
        ESCO + "1973c966-f236-40c9-b2d4-5d71a89019be",
        "use spreadsheets software",
        "S5",
    ),
    "english": (
        ESCO + "0ee9e985-0ee5-4a73-8a12-78b53b261bb2",
        "interact verbally in English",
        "L1",
    ),
    "python": (
        ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d",
        "Python (computer programming)",
        "K06",
    ),
    "photo": (ESCO + "38509fa4-7c06-4a4b-9622-f521f03c37b8", "photography", "K02"),
}
# Each member: a unique word and name that must never show in any team view, and what they did.
MEMBERS = {
    "UM1": ("Quillon Ambersmith", "zorblatone", "team spreadsheet english"),
    "UM2": ("Perrin Vasquette", "zorblattwo", "team spreadsheet english"),
    "UM3": ("Odalys Frennick", "zorblatthree", "team spreadsheet english"),
    "UM4": ("Tobiah Quenzel", "zorblatfour", "team python"),
    "UM5": ("Marisol Drabkin", "zorblatfive", "team python photo"),
    "UM6": ("Lucan Petrosky", "zorblatsix", "team english"),
}


class TeamExtractor(FakeExtractor):
    """The fake extractor's keyword matching, with real ESCO URIs."""

    async def extract(self, text: str, *, rank: int = 0) -> ExtractionResult:
        """One skill per keyword, the whole sentence as evidence."""
        lowered = text.lower()
        skills = tuple(
            SkillHit(uri, label, group, text, 0.8)
            for word, (uri, label, group) in RULES.items()
            if word in lowered
        )
        return ExtractionResult(skills=skills, strengths=(), extractor=self.name)


async def member(rig, user: str, team: str = "TA") -> None:
    """Onboard, write one note holding the member's unique word, keep what was noticed."""
    name, word, did = MEMBERS[user]
    rig.fake.add_user(user, tz="Europe/Berlin", name=name)
    await onboard(rig, user, team)
    await rig.slack.message(team, user, f"This week {word} and I did {did} work, {name} here.")
    await rig.settle()
    keep = rig.last_values(user)[0]
    assert keep.startswith("keep:")
    await rig.slack.tap(team, user, keep)
    await rig.settle()


async def home(rig, user: str, team: str = "TA") -> str:
    """Open the Home tab; the team part of the published view, as text."""
    await rig.slack.event(team, {"type": "app_home_opened", "user": user, "tab": "home"})
    await rig.settle()
    view = [c for c in rig.fake.called("views.publish") if c.args["user_id"] == user][-1]
    blocks = view.args["view"]["blocks"]
    start = next(
        (
            i
            for i, b in enumerate(blocks)
            if b["type"] == "header" and b["text"]["text"] == "Team skill map"
        ),
        None,
    )
    return json.dumps(blocks[start:] if start is not None else [])


async def cli(monkeypatch, capsys, tmp_path, cache_dir, db_url, workspace: str, now) -> dict:
    """`utp team --workspace … --json` in its own event loop, on the same database."""
    from bot.cli import main

    monkeypatch.setenv("UTP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("UTP_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("UTP_SECRET_KEY", "test-secret-key")
    if db_url:
        monkeypatch.setenv("DATABASE_URL", db_url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    capsys.readouterr()
    code = await asyncio.to_thread(
        main, ["team", "--workspace", workspace, "--json", "--now", now.isoformat()]
    )
    assert code == 0
    return json.loads(capsys.readouterr().out)


def assert_no_member_in(outputs: list[str]) -> None:
    for out in outputs:
        for user, (name, word, _) in MEMBERS.items():
            for secret in (user, word, *name.split()):
                assert secret not in out, f"{secret!r} leaked into a team view"


async def test_the_team_map_from_opt_in_to_opt_out(
    make_rig, db_url, clock, monkeypatch, capsys, tmp_path, cache_dir
):
    rig = await make_rig(database_url=db_url, extractor=TeamExtractor())
    for user in MEMBERS:
        await member(rig, user)
    seen: list[str] = []

    # Four members share: no map anywhere (Home, CLI, weekly post).
    for user in ("UM1", "UM2", "UM3", "UM4"):
        await rig.slack.command("TA", user, "team on")
    await rig.settle()
    assert rig.texts("UM1")[-1].startswith("You now share with your team map")
    admin = await home(rig, "UADMIN")
    seen.append(admin)
    assert "Nothing to show yet" in admin and "work in teams" not in admin
    out = await cli(monkeypatch, capsys, tmp_path, cache_dir, db_url, "TA", clock.now())
    seen.append(json.dumps(out))
    assert out["shown"] is False and out["map"] is None and out["participation"] is None
    await rig.slack.select(
        "TA",
        "UADMIN",
        {
            "type": "conversations_select",
            "action_id": "utp:team:channel",
            "selected_conversation": "CTEAM",
        },
    )
    await rig.settle()
    assert (await run_tick(rig.app)).team_posts == 1
    await rig.settle()
    assert not rig.fake.called("files.completeUploadExternal")  # skipped below thresholds
    async with rig.app.engine.connect() as conn:
        assert (await conn.execute(text("SELECT status FROM team_posts"))).scalar() == "skipped"

    # The fifth shares with the Home button: the map shows, only skills three of them kept.
    await rig.slack.tap("TA", "UM5", "teamon", action_id="utp:home:team", home=True)
    await rig.settle()
    admin = await home(rig, "UADMIN")
    seen.append(admin)
    assert "*5 people share.*" in admin
    assert "work in teams (5)" in admin and "use spreadsheets software (3)" in admin
    assert "interact verbally in English (3)" in admin
    assert "Python" not in admin and "photography" not in admin  # 2 and 1 holders
    assert "Grew in the last 30 days" in admin and "work in teams (+5)" in admin
    out = await cli(monkeypatch, capsys, tmp_path, cache_dir, db_url, "TA", clock.now())
    seen.append(json.dumps(out))
    assert out["shown"] is True and out["map"]["members"] == 5
    assert out["map"]["pillars"] == {
        "transversal": [{"skill": "work in teams", "members": 5, "grew_30d": 5}],
        "digital": [{"skill": "use spreadsheets software", "members": 3, "grew_30d": 3}],
        "language": [{"skill": "interact verbally in English", "members": 3, "grew_30d": 3}],
    }
    # A sharing member sees the map too; a member who does not share sees only the button.
    member_view = await home(rig, "UM1")
    assert "work in teams (5)" in member_view and "Stop sharing" in member_view
    seen.append(member_view)
    other = await home(rig, "UM6")
    assert "work in teams" not in other and "Share with my team" in other

    # Next week's post arrives in the chosen channel with a chart, once.
    clock.set(START + timedelta(days=7))
    assert (await run_tick(rig.app)).team_posts == 1
    await rig.settle()
    (done,) = rig.fake.called("files.completeUploadExternal")
    assert done.args["channel_id"] == "CTEAM"
    post = done.args["initial_comment"]
    seen.append(post)
    assert "5 people share" in post and "work in teams (+5)" in post
    png = list(rig.fake.uploads.values())[-1]
    assert png.startswith(b"\x89PNG")
    alt = rig.fake.called("files.getUploadURLExternal")[-1].args["alt_txt"]
    assert alt.startswith("Chart of the team's most shared skills, 5 people")
    seen.append(alt)
    assert (await run_tick(rig.app)).team_posts == 0  # one post a week

    # UM6 joins: the published map stays as it was until enough has changed (no one-person
    # difference between two looks).
    await rig.slack.command("TA", "UM6", "team on")
    await rig.settle()
    admin = await home(rig, "UADMIN")
    assert "*5 people share.*" in admin and "work in teams (5)" in admin
    # UM2 stops sharing: the map that counted them is withdrawn at once, and with only two
    # members changed (UM6 in, UM2 out) no new map shows, though five still share.
    await rig.slack.command("TA", "UM2", "team off")
    await rig.settle()
    assert rig.texts("UM2")[-1].startswith("You stopped sharing")
    admin = await home(rig, "UADMIN")
    seen.append(admin)
    assert "Nothing to show yet" in admin and "(5)" not in admin
    # UM4 keeps a new skill: with UM2 and UM6, three members changed, so a new map shows, and
    # UM2 is in none of its counts (spreadsheets drop to 2 holders: hidden).
    await rig.slack.message("TA", "UM4", "Spoke english with zorblatfour at the python meetup.")
    await rig.settle()
    await rig.slack.tap("TA", "UM4", rig.last_values("UM4")[0])
    await rig.settle()
    clock.set(clock.now() + timedelta(hours=2))
    admin = await home(rig, "UADMIN")
    seen.append(admin)
    assert "*5 people share.*" in admin and "work in teams (5)" in admin
    assert "interact verbally in English (4)" in admin  # UM1, UM3, UM4, UM6
    assert "spreadsheets" not in admin
    out = await cli(monkeypatch, capsys, tmp_path, cache_dir, db_url, "TA", clock.now())
    seen.append(json.dumps(out))

    # No member's words, name or user id in any team view, post or JSON.
    assert_no_member_in(seen)

    # Exports: a member's export says whether they share; the team map is in no export.
    await rig.slack.command("TA", "UM1", "export json")
    await rig.settle()
    upload = list(rig.fake.uploads.values())[-1]
    document = (
        json.loads(upload)
        if upload.startswith(b"{")
        else json.loads(zipfile.ZipFile(io.BytesIO(upload)).read("passport.json"))
    )
    assert document["person"]["team_sharing"]["sharing"] is True
    assert document["person"]["team_sharing"]["workspace"] == ":TA"
    assert "pillars" not in json.dumps(document) and "grew" not in json.dumps(document)

    # /forget implies off: the map is withdrawn at once, and UM3 leaves every count.
    await rig.slack.command("TA", "UM3", "forget")
    await rig.settle()
    await rig.slack.tap("TA", "UM3", "forget:yes")
    await rig.settle()
    async with rig.app.engine.connect() as conn:
        sharing = (
            await conn.execute(
                text("SELECT COUNT(*) FROM team_members WHERE sharing = :y"), {"y": True}
            )
        ).scalar()
    assert sharing == 4
    admin = await home(rig, "UADMIN")
    assert "Nothing to show yet" in admin and "(4)" not in admin


@pytest.fixture
async def two_workspaces(make_rig, fake_slack, db_url):
    """UTP installed over OAuth in TA and TB (SQLite and PostgreSQL)."""
    fake_slack.teams.clear()
    rig = await make_rig(
        database_url=db_url,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
        extractor=TeamExtractor(),
    )
    await install(rig, "TA", "xoxb-oauth-a")
    await install(rig, "TB", "xoxb-oauth-b")
    return rig


async def test_a_second_workspace_sees_nothing_of_the_first(
    two_workspaces, db_url, clock, monkeypatch, capsys, tmp_path, cache_dir
):
    rig = two_workspaces
    for user in ("UM1", "UM2", "UM3", "UM4", "UM5"):
        await member(rig, user, "TA")
        await rig.slack.command("TA", user, "team on")
    # The same user id in TB is another person; sharing there adds nothing to TA.
    await member(rig, "UM6", "TB")
    await rig.slack.command("TB", "UM6", "team on")
    await rig.settle()
    in_a = await home(rig, "UADMIN", "TA")
    assert "*5 people share.*" in in_a and "work in teams (5)" in in_a
    in_b = await home(rig, "UADMIN", "TB")
    assert "Nothing to show yet" in in_b and "work in teams" not in in_b
    out = await cli(monkeypatch, capsys, tmp_path, cache_dir, db_url, "TB", clock.now())
    assert out["workspace"] == ":TB" and out["shown"] is False and out["map"] is None
    # A weekly post set up in TB stays silent; TA's post goes to TA's channel with TA's token.
    await rig.slack.select(
        "TB",
        "UADMIN",
        {
            "type": "conversations_select",
            "action_id": "utp:team:channel",
            "selected_conversation": "CBEE",
        },
    )
    await rig.slack.select(
        "TA",
        "UADMIN",
        {
            "type": "conversations_select",
            "action_id": "utp:team:channel",
            "selected_conversation": "CAAA",
        },
    )
    await rig.settle()
    assert (await run_tick(rig.app)).team_posts == 2
    await rig.settle()
    (done,) = rig.fake.called("files.completeUploadExternal")
    assert done.args["channel_id"] == "CAAA" and done.token == "xoxb-oauth-a"
    assert_no_member_in([in_a, in_b, json.dumps(out), done.args["initial_comment"]])
