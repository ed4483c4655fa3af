"""The app manifest asks for what the code uses, and every subscribed event has a listener."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.channels.slack_install import BOT_SCOPES
from bot.channels.slack_listeners import COMMAND, SHORTCUT_CALLBACK

MANIFEST = Path(__file__).resolve().parents[2] / "slack" / "manifest.yml"
HANDLED = {"message.im", "app_home_opened", "app_uninstalled", "tokens_revoked"}


def test_manifest_matches_the_code():
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    assert [s["callback_id"] for s in manifest["features"]["shortcuts"]] == [SHORTCUT_CALLBACK]
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) <= HANDLED
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
