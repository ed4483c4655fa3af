"""The LLM variant of the coaching follow-up: one short question written from the note itself.

Validated like everything an LLM says here (`passport.followup.check_question`): one question,
ending with "?", at most 20 words, no advice or praise, no quotes, and never a question the
person was asked in the last eight weeks. On any failure it returns None and the caller uses the
offline template (`passport.followup.choose_followup`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import openai

from passport.followup import MAX_IN_A_ROW, MAX_QUESTION_WORDS, check_question

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are a kind coach. The person just wrote a short note about their week. Ask ONE short "
    "question about what they wrote that helps them think a bit deeper: what they did, how, "
    "what was hard, what they learned about themselves. Use plain words a 12-year-old knows. "
    f"At most {MAX_QUESTION_WORDS - 5} words. No advice, no praise, no quotes. "
    "Do not ask any of the questions listed under 'Already asked'. "
    "Reply with the question only."
)


async def llm_followup(
    entry_text: str,
    noticed_labels: Sequence[str],
    recent_followups_in_a_row: int,
    *,
    client: openai.AsyncOpenAI,
    model: str,
    timeout: float,
    asked: Sequence[str] = (),
) -> str | None:
    """One validated follow-up question from the LLM, or None (limit reached, or any failure).

    `asked` holds the question keys (`passport.followup.question_key`) asked lately.
    """
    if recent_followups_in_a_row >= MAX_IN_A_ROW or not entry_text.strip():
        return None
    hint = ", ".join(noticed_labels[:5])
    user = entry_text[:2000] + (f"\n\n(Noticed: {hint})" if hint else "")
    if asked:
        user += "\n\nAlready asked:\n" + "\n".join(f"- {q}" for q in list(asked)[-20:])
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
    reason = check_question(question, asked)
    if reason is not None:
        logger.info("follow-up rejected: %s", reason)
        return None
    return question
