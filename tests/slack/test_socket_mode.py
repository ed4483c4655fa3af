"""Socket Mode (`utp run` with SLACK_APP_TOKEN): events over a WebSocket, acked after capture."""

from __future__ import annotations

import asyncio

from bot.process import configured_channels
from tests.slack.conftest import TOKEN_A


async def _until(condition, rounds: int = 200) -> None:
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("condition not reached")


async def test_socket_mode_takes_events_and_acks_them(make_app, fake_slack):
    app = await make_app(
        slack_bot_token=TOKEN_A, slack_app_token="xapp-1-test", slack_api_url=fake_slack.api_url
    )
    (channel,) = configured_channels(app, app.settings)
    await channel.start(app.conversation.handle)
    try:
        await _until(lambda: fake_slack.sockets)
        event = {
            "type": "message",
            "channel": "DUALICE",
            "channel_type": "im",
            "user": "UALICE",
            "text": "Shipped the new onboarding guide.",
            "ts": "1764500500.000001",
        }
        payload = {
            "team_id": "TA",
            "api_app_id": "AUTP",
            "type": "event_callback",
            "event_id": "EvSOCK1",
            "event_time": 1764500500,
            "event": event,
            "authorizations": [{"team_id": "TA", "user_id": "UBOTTA", "is_bot": True}],
        }
        await fake_slack.push(
            {
                "envelope_id": "env-1",
                "type": "events_api",
                "accepts_response_payload": False,
                "payload": payload,
            }
        )
        await _until(lambda: any(a.get("envelope_id") == "env-1" for a in fake_slack.socket_acks))
        await channel.drain()
        async with app.services.uow() as uow:
            from passport.messages import Address

            person = await uow.people.find_person(Address("slack", "UALICE", "DUALICE", ":TA"))
            assert person is not None
            assert person.state.get("pending_text") == "Shipped the new onboarding guide."
        assert any(
            c.args.get("channel") == "DUALICE" for c in fake_slack.called("chat.postMessage")
        )
    finally:
        await channel.stop()
