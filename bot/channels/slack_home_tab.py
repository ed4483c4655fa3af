"""Publishing a member's App Home tab: their passport at a glance, the team map's part, and the
workspace defaults for admins.

Both the listeners (a member opened Home, pressed a button) and the team map's admin controls
republish the tab, so it lives here, in a room of its own that each of them imports.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack_home import TeamHome, home_view, workspace_defaults
from handlers.context import Services
from handlers.home import home_summary
from handlers.team import team_view
from passport.messages import Address

logger = logging.getLogger(__name__)


async def is_admin(client: AsyncWebClient, user_id: str) -> bool:
    """Workspace admins and owners may set defaults."""
    try:
        info = await client.users_info(user=user_id)
    except (SlackApiError, SlackClientError, OSError):
        return False
    user = info.get("user") or {}
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


async def team_home(services: Services, address: Address, admin: bool) -> TeamHome:
    """The team part of a member's (or admin's) Home tab."""
    async with services.uow() as uow:
        person = await uow.people.find_person(address)
        sharing = await uow.team.sharing(person.id) if person is not None else None
        channel = await uow.team.post_channel(address.workspace) if admin else None
    can_share = person is not None and person.consented and person.onboarded
    on = sharing is not None and sharing.sharing and sharing.workspace == address.workspace
    view = await team_view(services, address.workspace) if admin or on else None
    return TeamHome(can_share=can_share, sharing=on, view=view, post_channel=channel)


async def publish_home(services: Services, client: AsyncWebClient, address: Address) -> None:
    """`views.publish` the member's Home tab (admins also get the workspace defaults)."""
    summary = await home_summary(services, address)
    defaults = await workspace_defaults(services, address.workspace)
    admin = await is_admin(client, address.user_id)
    team = await team_home(services, address, admin)
    view = home_view(summary, defaults, admin, team)
    try:
        await client.views_publish(user_id=address.user_id, view=view)
    except (SlackApiError, SlackClientError, OSError):
        logger.exception("views.publish failed")
