"""The Slack file fetcher: the token only goes to Slack's file hosts; sign-in pages are refused."""

from __future__ import annotations

import pytest

from bot.channels.slack_api import SlackWorkspaces
from bot.channels.slack_files import SlackFileFetcher
from bot.channels.slack_inbound import file_ref
from passport.errors import FileRejected
from passport.messages import InboundFile
from tests.slack.conftest import TOKEN_A


@pytest.fixture
async def fetcher(make_app, fake_slack):
    app = await make_app()
    return SlackFileFetcher(
        SlackWorkspaces(app.services, base_url=fake_slack.api_url, bot_token=TOKEN_A)
    )


async def test_a_file_is_downloaded_with_the_bot_token(fetcher, fake_slack):
    fake_slack.add_file("F1", b"%PDF-1.4 hello", "cv.pdf", "application/pdf")
    content = await fetcher.fetch(InboundFile(ref=file_ref(":TA", "F1"), name="cv.pdf"), 1000)
    assert content == b"%PDF-1.4 hello"
    assert fake_slack.downloads == [f"Bearer {TOKEN_A}"]


async def test_an_html_sign_in_page_is_refused(fetcher, fake_slack):
    with pytest.raises(FileRejected):
        await fetcher._download(f"{fake_slack.base}/files/F1/x.pdf", "xoxb-wrong", 1000, "x")


async def test_the_token_never_goes_to_other_hosts(fetcher):
    assert fetcher.token_allowed("https://files.slack.com/files-pri/T1-F1/x.pdf")
    assert not fetcher.token_allowed("http://files.slack.com/files-pri/T1-F1/x.pdf")
    assert not fetcher.token_allowed("https://files.slack.com.evil.io/x")
    assert not fetcher.token_allowed("https://evil.io/files.slack.com")
    with pytest.raises(FileRejected):
        await fetcher._download("https://evil.io/x", TOKEN_A, 1000, "x")


async def test_bytes_are_capped_while_streaming(fetcher, fake_slack):
    fake_slack.add_file("F2", b"x" * 5000, "big.txt", "text/plain")
    with pytest.raises(FileRejected) as caught:
        await fetcher.fetch(InboundFile(ref=file_ref(":TA", "F2"), name="big.txt"), 1000)
    assert "MB" in caught.value.reason
    with pytest.raises(FileRejected):  # even when files.info understates the size
        await fetcher._download(f"{fake_slack.base}/files/F2/big.txt", TOKEN_A, 1000, "big")


async def test_the_token_does_not_follow_a_redirect_to_another_host(fetcher, fake_slack):
    fake_slack.add_file("F3", b"%PDF-1.4", "a.pdf", "application/pdf")
    with pytest.raises(FileRejected):
        await fetcher._download(f"{fake_slack.base}/moved/F3/a.pdf", TOKEN_A, 1000, "a")
    assert fake_slack.downloads == []  # the redirect target was never asked


async def test_a_rate_limited_files_info_is_retried_later(fetcher, fake_slack):
    from passport.errors import TransientDeliveryError

    fake_slack.add_file("F4", b"%PDF-1.4", "a.pdf", "application/pdf")
    fake_slack.fail["files.info"] = [429]
    with pytest.raises(TransientDeliveryError) as caught:
        await fetcher.fetch(InboundFile(ref=file_ref(":TA", "F4"), name="a.pdf"), 1000)
    assert caught.value.retry_after == 1
    assert (
        await fetcher.fetch(InboundFile(ref=file_ref(":TA", "F4"), name="a.pdf"), 1000)
        == b"%PDF-1.4"
    )
