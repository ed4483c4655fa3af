"""Pure translations: Outbound → Block Kit (escaped, no mentions), Slack bodies → Inbound."""

from __future__ import annotations

from bot.channels.slack_blocks import escape, message_payload
from bot.channels.slack_inbound import (
    message_inbound,
    parse_file_ref,
    plain_text,
    slash_text,
)
from passport.messages import Choice, Outbound


def test_outbound_text_cannot_mention_or_link():
    payload = message_payload(Outbound(text="Hi <!channel> <@U123> & <https://x.io|y>"))
    section = payload["blocks"][0]["text"]
    assert section["text"] == "Hi &lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://x.io|y&gt;"
    assert section["verbatim"] is True
    assert "<" not in payload["text"]


def test_core_commands_are_named_as_passport_subcommands():
    payload = message_payload(Outbound(text="Try /digest, or /pause 2w. See https://x.io/export"))
    assert payload["blocks"][0]["text"]["text"] == (
        "Try /passport digest, or /passport pause 2w. See https://x.io/export"
    )


def test_choices_become_buttons_with_the_choice_data_as_value():
    payload = message_payload(
        Outbound(text="Keep?", choices=(Choice("Keep", "keep:1"), Choice("Not me", "notme:1")))
    )
    (actions,) = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        ("Keep", "keep:1"),
        ("Not me", "notme:1"),
    ]
    assert len({e["action_id"] for e in actions["elements"]}) == 2


def test_long_text_is_split_into_sections():
    payload = message_payload(Outbound(text="\n".join(f"line {i} " * 40 for i in range(40))))
    sections = [b for b in payload["blocks"] if b["type"] == "section"]
    assert len(sections) > 1 and all(len(s["text"]["text"]) <= 3000 for s in sections)


def test_slack_markup_becomes_plain_words():
    assert (
        plain_text("ask <@U1|ana> in <#C1|dev>: a &lt; b &amp;&amp; <!here>")
        == "ask @ana in #dev: a < b && @here"
    )
    assert (
        plain_text("see <https://x.io|the doc> and <mailto:a@b.c|a@b.c>")
        == "see the doc (https://x.io) and a@b.c"
    )
    assert escape(plain_text("&lt;!channel&gt;")) == "&lt;!channel&gt;"


def test_slash_subcommands_map_to_the_core_commands():
    assert slash_text("digest") == "/digest"
    assert slash_text("pause 2w") == "/pause 2w"
    assert slash_text("export json") == "/export json"
    assert slash_text("resume now") == "/resume"
    assert slash_text("") == "/help"
    assert slash_text("make coffee") == "/help"
    assert slash_text("reminders off") == "/reminders off"


def test_messages_that_are_not_a_members_words_are_ignored():
    base = {
        "type": "message",
        "channel": "D1",
        "channel_type": "im",
        "user": "U1",
        "text": "hi",
        "ts": "1.2",
    }
    assert message_inbound(base, ":T1") is not None
    assert message_inbound({**base, "bot_id": "B1"}, ":T1") is None
    assert message_inbound({**base, "subtype": "channel_join"}, ":T1") is None
    assert message_inbound({**base, "channel_type": "channel"}, ":T1") is None
    assert message_inbound({**base, "subtype": "message_deleted"}, ":T1") is None


def test_files_keep_their_workspace_in_the_ref():
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": "D1",
        "channel_type": "im",
        "user": "U1",
        "text": "",
        "ts": "1.3",
        "files": [
            {"id": "F9", "name": "cv.pdf", "mimetype": "application/pdf", "size": 10},
            {"id": "F8", "mode": "tombstone"},
        ],
    }
    inbound = message_inbound(event, "E1:T1")
    (file,) = inbound.files
    assert parse_file_ref(file.ref) == ("E1:T1", "F9")
    assert (file.name, file.declared_size, file.kind) == ("cv.pdf", 10, "document")
