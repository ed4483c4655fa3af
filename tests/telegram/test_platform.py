"""Platform behaviour: rate limits, blocked people, migrated chats, long texts, webhooks."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.channels.telegram_send import split_text, utf16_len
from passport.errors import RecipientGone
from passport.messages import Address, Choice, Outbound
from tests.fakes.telegram_api import Fault
from tests.telegram.conftest import TOKEN, make_channel
from tests.telegram.helpers import ALICE, onboard, until

HERE = Address("telegram", str(ALICE), str(ALICE))


async def active(app, user: int = ALICE) -> bool:
    async with app.services.uow() as uow:
        return (await uow.people.find_person_by_key(f"telegram:{user}")).active


def test_long_texts_split_on_paragraphs_within_telegram_units():
    paragraphs = [f"Paragraph {i}: " + "word " * 150 for i in range(12)]
    text = "\n\n".join(paragraphs)
    chunks = split_text(text)
    assert len(chunks) > 1 and all(utf16_len(c) <= 4096 for c in chunks)
    assert "\n\n".join(chunks) == text  # cut only where paragraphs meet
    emoji = "🙂" * 3000  # 2 UTF-16 units each
    assert all(utf16_len(c) <= 4096 for c in split_text(emoji))
    assert "".join(split_text(emoji)) == emoji


async def test_send_splits_escapes_and_puts_buttons_on_the_last_part(telegram, fake):
    _, channel = telegram
    text = "\n\n".join(f"<{i}> & " + "x" * 1500 for i in range(6))
    await channel.send(HERE, [Outbound(text=text, choices=(Choice("Keep", "keep:1"),))])
    sent = fake.sent_to(ALICE)
    assert len(sent) > 1 and "\n\n".join(s.text for s in sent) == text
    assert [bool(s.buttons) for s in sent] == [False] * (len(sent) - 1) + [True]


async def test_too_long_for_telegram_is_cut_smaller_and_still_arrives(telegram, fake):
    _, channel = telegram
    fake.max_text = 1000  # Telegram counts differently than we did
    await channel.send(HERE, [Outbound(text="line\n" * 600)])
    assert "".join(fake.texts(ALICE)).count("line") == 600


async def test_rate_limit_is_retried_after_retry_after_and_delivered_once(telegram, fake):
    _, channel = telegram
    fake.fail("sendMessage", Fault(429, "Too Many Requests: retry after 1", retry_after=1))
    await channel.send(HERE, [Outbound(text="hello")])
    assert fake.texts(ALICE) == ["hello"]


async def test_a_dropped_connection_backs_off_and_retries(telegram, fake):
    _, channel = telegram
    fake.fail("sendMessage", Fault(drop=True))
    await channel.send(HERE, [Outbound(text="still here")])
    assert fake.texts(ALICE) == ["still here"]


async def test_blocked_bot_raises_recipient_gone_and_the_send_job_marks_inactive(telegram, fake):
    app, channel = telegram
    await onboard(fake)
    fake.blocked.add(str(ALICE))
    try:
        await channel.send(HERE, [Outbound(text="hi")])
    except RecipientGone:
        pass
    else:
        raise AssertionError("403 must raise RecipientGone")
    async with app.services.uow() as uow:
        found = await uow.people.find_person_by_key(f"telegram:{ALICE}")
        await uow.jobs.enqueue_row(
            "send",
            {"messages": [{"text": "nudge", "choices": []}]},
            app.clock.now(),
            person_id=found.id,
        )
        await uow.commit()
    await app.runner.run_until_idle()
    assert not await active(app)


async def test_my_chat_member_kicked_and_member_toggle_the_person(telegram, fake):
    app, _ = telegram
    await onboard(fake)
    blocked = fake.member_status(ALICE, "kicked")
    await until(lambda: fake.confirmed > blocked)
    assert not await active(app)
    back = fake.member_status(ALICE, "member")
    await until(lambda: fake.confirmed > back)
    assert await active(app)


async def test_a_migrated_chat_is_followed(telegram, fake):
    app, channel = telegram
    group, supergroup = -555, -100_555
    fake.message(ALICE, "/start", chat_id=group, chat_type="group")
    await until(lambda: fake.texts(group))
    fake.migrated[str(group)] = supergroup
    await channel.send(Address("telegram", str(ALICE), str(group)), [Outbound(text="moved?")])
    assert fake.texts(supergroup) == ["moved?"]
    async with app.services.uow() as uow:
        found = await uow.people.find_person_by_key(f"telegram:{ALICE}")
        identities = await uow.people.identities(found.id)
    # The group was never the person's home chat: weekly questions stay in their private chat.
    assert identities[0].chat_id == str(ALICE)


async def test_webhook_wrong_secret_is_refused_and_stores_nothing(make_app, fake):
    from bot.web import build_web_app

    app = await make_app()
    channel = make_channel(
        app, fake, webhook_url="http://127.0.0.1:1/telegram/webhook", webhook_secret="s3cret"
    )
    app.add_channel(channel)
    await channel.prepare_webhook(app.conversation.handle)
    assert fake.webhook_secret == "s3cret" and fake.commands
    server = TestServer(build_web_app(app), host="127.0.0.1")
    async with TestClient(server) as client:
        update = {
            "update_id": 1,
            "message": {
                "message_id": 7,
                "date": 1,
                "chat": {"id": ALICE, "type": "private"},
                "from": {"id": ALICE, "is_bot": False, "first_name": "Sam"},
                "text": "hello",
            },
        }
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            response = await client.post("/telegram/webhook", json=update, headers=headers)
            assert response.status == 403
        async with app.services.uow() as uow:
            assert await uow.people.find_person_by_key(f"telegram:{ALICE}") is None
        response = await client.post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        )
        assert response.status == 200
        async with app.services.uow() as uow:  # committed before the 200
            assert await uow.people.find_person_by_key(f"telegram:{ALICE}") is not None
        await until(lambda: fake.texts(ALICE))
    await channel.stop()


async def test_webhook_mode_end_to_end_with_redelivery(make_app, fake):
    """Telegram pushes to `utp web`'s route; a 5xx is delivered again until it is taken."""
    from bot.web import serve

    app = await make_app()
    runner = None
    channel = None
    try:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        channel = make_channel(
            app,
            fake,
            webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
            webhook_secret="abc_123",
        )
        app.add_channel(channel)
        await channel.prepare_webhook(app.conversation.handle)
        calls = {"n": 0}
        real = channel.updates.handler

        async def flaky(inbound):
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("database hiccup")
            return await real(inbound)

        channel.updates.handler = flaky
        fake.message(ALICE, "hello")
        runner = await serve(app, "127.0.0.1", port)
        await until(lambda: fake.texts(ALICE))
        answered = [status for status in fake.webhook_answers if status]  # 0: not up yet
        assert answered[:2] == [500, 200]
        assert TOKEN not in fake.webhook_url
    finally:
        if runner is not None:
            await runner.cleanup()
        if channel is not None:
            await channel.stop()


async def test_the_poll_loop_backs_off_over_network_errors_and_goes_on(telegram, fake):
    fake.fail("getUpdates", Fault(drop=True))
    fake.fail("getUpdates", Fault(502, "Bad Gateway"))
    fake.message(ALICE, "/start")
    await until(lambda: fake.texts(ALICE))
    assert not fake.faults["getUpdates"]


async def test_the_file_fetcher_checks_sizes_and_tells_transient_from_final(telegram, fake):
    from passport.errors import FileRejected, TransientDeliveryError
    from passport.messages import InboundFile

    _, channel = telegram
    fetcher = channel.fetcher()
    small = fake.add_file(b"%PDF-1.4 a small file")
    assert await fetcher.fetch(InboundFile(ref=small), 1000) == b"%PDF-1.4 a small file"
    huge = fake.add_file(b"x", size=25 * 2**20)  # getFile refuses files over 20 MB
    for declared in (None, 25 * 2**20):
        try:
            await fetcher.fetch(InboundFile(ref=huge, declared_size=declared), 20 * 2**20)
        except FileRejected as exc:
            assert "I can keep files up to 20 MB" in exc.reason
        else:
            raise AssertionError("a file over the limit must be refused")
    calls = [c for c, _ in fake.calls if c == "getFile"]
    assert len(calls) == 2  # the declared size alone was enough the second time
    fake.fail("getFile", Fault(502, "Bad Gateway"))
    try:
        await fetcher.fetch(InboundFile(ref=small), 1000)
    except TransientDeliveryError:
        pass
    else:
        raise AssertionError("a 5xx must be retried later, not refused")
