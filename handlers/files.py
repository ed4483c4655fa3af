"""Files and photos as evidence: checked, stored content-addressed, then processed as a job."""

from __future__ import annotations

from datetime import datetime

from handlers import texts
from handlers.context import Services, Turn, say
from passport.errors import FileRejected
from passport.filetypes import Sniffed, image_is_safe, sniff
from passport.jobs import Download, ProcessArtifact
from passport.messages import InboundFile, Outbound


def check_bytes(content: bytes, declared_name: str, limit: int) -> Sniffed:
    """Decide whether UTP keeps these bytes; raises FileRejected with a friendly reason."""
    if not content:
        raise FileRejected(texts.FILE_EMPTY)
    if len(content) > limit:
        raise FileRejected(texts.FILE_TOO_BIG.format(size=_mb(len(content)), limit=limit // 2**20))
    kind = sniff(content)
    if kind is None:
        raise FileRejected(texts.FILE_BAD_TYPE)
    if kind.kind == "image" and not image_is_safe(content):
        raise FileRejected(texts.FILE_UNSAFE)
    if kind.kind == "credential" or kind.mime == "image/png":
        # A hostile badge (an SVG with a script, an entity bomb, a lying PNG chunk) is refused
        # before anything is stored; checking signatures waits for the job.
        from ler.extract import find_credential

        find_credential(content, declared_name)  # raises UnsafeFile (a FileRejected)
    return kind


def _mb(size: int) -> str:
    return f"{size / 2**20:.0f}" if size >= 2**20 else f"{size / 2**20:.1f}"


def safe_name(name: str, fallback: str) -> str:
    """A file name without folders or odd characters (shown back and used in exports)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')[:120]
    return base or fallback


async def store_content(
    services: Services,
    uow,
    person_id: int,
    file: InboundFile,
    now: datetime,
    *,
    artifact_id: int | None = None,
    entry_id: int | None = None,
    message_key: str | None = None,
) -> int:
    """Check and store bytes; create (or complete) the artifact row and queue its processing."""
    content = file.content or b""
    kind = check_bytes(content, file.name, services.limits.max_file_bytes)
    sha, rel = services.blobs.put(await uow.people.vault(person_id), content)
    values = dict(
        status="stored",
        sha256=sha,
        mime=kind.mime,
        size=len(content),
        stored_path=rel,
        kind="voice" if file.kind == "voice" else kind.kind,
        ref=None,
    )
    if artifact_id is None:
        artifact = await uow.artifacts.add_artifact(
            person_id,
            now,
            original_name=safe_name(file.name, f"file.{kind.extension}"),
            entry_id=entry_id,
            message_key=message_key,
            declared_size=file.declared_size,
            declared_mime=file.declared_mime,
            **values,
        )
        artifact_id = artifact.id
    else:
        await uow.artifacts.update_artifact(person_id, artifact_id, **values)
    await uow.jobs.enqueue(ProcessArtifact(person_id, artifact_id), now)
    return artifact_id


async def receive(turn: Turn, entry_id: int | None) -> list[Outbound]:
    """Take every file of the message: store it now, or note it and queue the download."""
    out: list[Outbound] = []
    limit = turn.services.limits.max_file_bytes
    for index, file in enumerate(turn.inbound.files):
        name = safe_name(file.name, f"{file.kind}")
        key = f"{turn.inbound.message_key}#{index}" if turn.inbound.message_id else None
        if file.declared_size is not None and file.declared_size > limit:
            out.append(
                say(
                    texts.FILE_TOO_BIG.format(
                        size=_mb(file.declared_size), limit=turn.services.limits.max_file_mb
                    )
                )
            )
            continue
        if file.content is not None:
            try:
                await store_content(
                    turn.services,
                    turn.uow,
                    turn.person.id,
                    file,
                    turn.now,
                    entry_id=entry_id,
                    message_key=key,
                )
            except FileRejected as exc:
                out.append(say(exc.reason))
                continue
            out.append(
                say(
                    texts.VOICE_KEPT if file.kind == "voice" else texts.FILE_KEPT.format(name=name)
                )
            )
            continue
        artifact = await turn.uow.artifacts.add_artifact(
            turn.person.id,
            turn.now,
            status="pending",
            platform=turn.inbound.address.platform,
            ref=file.ref,
            original_name=name,
            kind=file.kind,
            declared_size=file.declared_size,
            declared_mime=file.declared_mime,
            entry_id=entry_id,
            message_key=key,
        )
        await turn.uow.jobs.enqueue(
            Download(
                turn.person.id,
                artifact.id,
                name=file.name,
                file_kind=file.kind,
                declared_size=file.declared_size,
                declared_mime=file.declared_mime,
            ),
            turn.now,
        )
        out.append(
            say(texts.VOICE_KEPT if file.kind == "voice" else texts.FILE_PENDING.format(name=name))
        )
    return out
