"""The LLM variant of the coaching follow-up: one short question chosen from the entry itself.

Validated like everything an LLM says here: one question, ending with "?", at most 120
characters, no line breaks. On any failure it returns None and the caller uses the offline
template (`passport.followup.choose_followup`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import openai

from passport.followup import MAX_IN_A_ROW, is_good_question

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are a kind reflection coach. The person just wrote a journal entry. Ask ONE short "
    "follow-up question that helps them think deeper about what they wrote (for example what "
    "made it hard, what they would do differently, what they learned about themselves). "
    "Plain words, under 15 words, no advice, no praise, no quotes. Reply with the question only."
)


async def llm_followup(
    entry_text: str,
    noticed_labels: Sequence[str],
    recent_followups_in_a_row: int,
    *,
    client: openai.AsyncOpenAI,
    model: str,
    timeout: float,
) -> str | None:
    """One validated follow-up question from the LLM, or None (limit reached, or any failure)."""
    if recent_followups_in_a_row >= MAX_IN_A_ROW or not entry_text.strip():
        return None
    hint = ", ".join(noticed_labels[:5])
    user = entry_text[:2000] + (f"\n\n(Noticed: {hint})" if hint else "")
    try:
        response = await asyncio.wait_for(
            client.chat.completions.create(
                model=model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": user},
                ],
                temperature=0.5,
                max_tokens=60,
                timeout=timeout,
            ),
            timeout=timeout + 1,
        )
        question = (response.choices[0].message.content or "").strip().strip('"“”')
    except (openai.OpenAIError, TimeoutError, IndexError, AttributeError) as exc:
        logger.info("follow-up unavailable: %s", type(exc).__name__)
        return None
    question = " ".join(question.split())
    if not is_good_question(question):
        logger.info("follow-up rejected: not one short question")
        return None
    return question
