"""What a stored file adds to the passport: document text, a credential, a voice note's words.

Run by the `ProcessArtifact` job (`handlers.jobs_files`).
"""

from __future__ import annotations

import logging

from handlers import texts
from handlers.announce import Told, deliver, noticed, tell
from handlers.context import Services
from handlers.feedback import store_suggestions
from handlers.signal_rows import MAX_EXTRACT_CHARS
from passport.jobs import Extract
from passport.messages import Outbound
from passport.ports import Delivery
from passport.timeutil import iso_week

logger = logging.getLogger(__name__)

LEVEL_WORDS = {
    "verified": "verified",
    "signature-valid-issuer-unchecked": "signature is valid, issuer not checked",
    "unverifiable-offline": "can't be checked offline",
    "invalid": "not valid",
}


async def process_artifact(
    services: Services, delivery: Delivery, person_id: int, artifact_id: int
) -> None:
    """Route a stored artifact by what it is."""
    async with services.uow() as uow:
        row = await uow.artifacts.stored_artifact(person_id, artifact_id)
        if row is None or row.status != "stored" or not row.stored_path:
            return
        mime, kind, rel, name = row.mime or "", row.kind, row.stored_path, row.original_name
        vault = await uow.people.vault(person_id)
    content = services.blobs.get(vault, rel)
    if kind == "voice" or mime.startswith("audio/"):
        await _voice(services, person_id, artifact_id, content, name)
        return
    if kind in {"credential", "image"}:
        if await _credential(services, delivery, person_id, artifact_id, content, name):
            return
    if kind in {"document", "text"}:
        await _document(services, delivery, person_id, artifact_id, content, mime)


async def _document(
    services: Services,
    delivery: Delivery,
    person_id: int,
    artifact_id: int,
    content: bytes,
    mime: str,
) -> None:
    from extractors.documents import document_text

    text = document_text(content, mime).strip()
    if not text:
        return
    result = (
        await services.extractor.extract(text[:MAX_EXTRACT_CHARS]) if services.extractor else None
    )
    now = services.clock.now()
    told: Told | None = None
    async with services.uow() as uow:
        await uow.artifacts.update_artifact(person_id, artifact_id, text_excerpt=text[:2000])
        if result is not None:
            added, _ = await store_suggestions(
                uow, person_id, now, result, source="artifact", artifact_id=artifact_id
            )
            messages = noticed(added)
            if messages:
                told = await tell(uow, person_id, messages, now)
        await uow.commit()
    await deliver(services, delivery, told)


async def _credential(
    services: Services,
    delivery: Delivery,
    person_id: int,
    artifact_id: int,
    content: bytes,
    name: str,
) -> bool:
    from ler.verify import inspect_credential
    from passport.errors import FileRejected

    try:
        report = inspect_credential(content, name, now=services.clock.now())
    except FileRejected:
        return False  # refused at capture already; an older file is simply not a credential
    if report is None:
        return False
    now = services.clock.now()
    rows = []
    taxonomy = _taxonomy()
    for achievement in report.achievements:
        matched = False
        for target_url, _name, _framework in achievement.alignments:
            skill = taxonomy.get(target_url) if taxonomy and target_url else None
            if skill is not None:
                rows.append(
                    dict(
                        kind="skill",
                        label=skill.label,
                        esco_uri=skill.uri,
                        group_code=skill.group,
                        evidence=achievement.name[:300],
                        confidence=0.9,
                        source="credential",
                        verification=report.level,
                    )
                )
                matched = True
        if not matched and achievement.name:
            rows.append(
                dict(
                    kind="skill",
                    label=achievement.name[:200],
                    evidence=achievement.name,
                    confidence=0.8,
                    source="credential",
                    verification=report.level,
                )
            )
    async with services.uow() as uow:
        await uow.artifacts.update_artifact(
            person_id, artifact_id, kind="credential", credential=report.to_dict()
        )
        await uow.signals.replace_suggestions(person_id, now, rows, artifact_id=artifact_id)
        title = (
            report.achievements[0].name if report.achievements else (report.issuer_name or name)
        )
        told = await tell(
            uow,
            person_id,
            [
                Outbound(
                    text=texts.CREDENTIAL_FOUND.format(
                        name=title, level=LEVEL_WORDS.get(report.level, report.level)
                    )
                )
            ],
            now,
        )
        await uow.commit()
    await deliver(services, delivery, told)
    return True


def _taxonomy():
    try:
        from extractors.esco import load_taxonomy
    except ImportError:
        return None
    return load_taxonomy()


async def _voice(
    services: Services, person_id: int, artifact_id: int, content: bytes, name: str
) -> None:
    if services.transcriber is None:
        return  # kept and acknowledged already; words come once a transcriber is configured
    words = (await services.transcriber.transcribe(content, name or "voice.ogg")).strip()
    if not words:
        return
    now = services.clock.now()
    async with services.uow() as uow:
        person = await uow.people.get_person(person_id)
        if person is None:
            return
        entry = await uow.entries.add_entry(
            person_id, words, now, iso_week=iso_week(now, person.schedule.timezone)
        )
        await uow.artifacts.update_artifact(
            person_id, artifact_id, entry_id=entry.id, text_excerpt=words[:2000]
        )
        await uow.jobs.enqueue(Extract(person_id, entry.id), now)
        await uow.commit()
