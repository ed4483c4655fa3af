"""The terminal speaks first: a newcomer gets the welcome, a known person a one-line hello.

Telegram and Slack wait for the person to write; in a terminal the program is started by the
person, so silence reads as "is it broken?". The greeting stores nothing the person said.
"""

from __future__ import annotations

from handlers import onboarding, texts
from handlers.context import Services, say
from passport.messages import Address, Inbound, Outbound
from passport.prompts import get_prompt


async def greet(
    services: Services,
    address: Address,
    display_name: str,
    *,
    zone_hint: str | None = None,
    mention_question: bool = True,
) -> list[Outbound]:
    """What to say when the person opens the chat.

    A newcomer is met (as if they said hi) with `zone_hint`, the machine's own zone, kept as the
    first zone to offer. A known person hears hello with the question still open, unless
    `mention_question` is False (a queued weekly question is about to be shown anyway).
    """
    now = services.clock.now()
    async with services.uow() as uow:
        person = await uow.people.find_person(address)
        if person is None:
            inbound = Inbound(address=address, display_name=display_name, timezone_hint=zone_hint)
            out = await onboarding.first_contact(services, uow, inbound, now)
            await uow.commit()
            return out
    name = display_name.split()[0] if display_name.strip() else ""
    if not person.consented:
        return [
            say(
                texts.WELCOME.format(name=f" {name}" if name else ""),
                *onboarding.consent_choices(),
            )
        ]
    if not person.onboarded:
        step = person.state.get("step", "slot")
        return [say(texts.HELLO_SETUP), *onboarding.question_for(step, person.state)]
    prompt = get_prompt((person.state.get("prompt") or {}).get("id"))
    if prompt is not None and mention_question:
        return [say(texts.HELLO_QUESTION.format(name=name, prompt=prompt.text))]
    return [say(texts.HELLO.format(name=name))]
