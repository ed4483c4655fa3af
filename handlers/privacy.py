"""The person owns the passport: /export gives everything, /forget erases everything."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import datetime

from handlers import texts
from handlers.context import Services, Turn, say
from passport.errors import (
    BadInput,
    StorageBusy,
    StorageConflict,
    StorageUnavailable,
    UTPError,
)
from passport.export import passport_document
from passport.jobs import ForgetFiles
from passport.messages import Attachment, Choice, Outbound

logger = logging.getLogger(__name__)

FORMATS = {
    "json": texts.EXPORT_JSON,
    "jsonresume": "JSON Resume",
    "ob3": "Open Badges 3.0",
    "clr": "CLR 2.0",
    "key": "My signing key",
}


def export_choices() -> tuple[Choice, ...]:
    """One button per export format."""
    return tuple(Choice(label, f"export:{fmt}") for fmt, label in FORMATS.items())


async def build_export(
    services: Services,
    uow,
    person_id: int,
    fmt: str,
    now: datetime,
    *,
    include_quotes: bool = True,
) -> list[Attachment]:
    """The export files for one person in one format; raises BadInput when there is nothing."""
    snapshot = await uow.whole_passport.snapshot(person_id)
    if snapshot is None:
        raise BadInput(texts.NOTHING_YET)
    stamp = now.strftime("%Y%m%d")
    if fmt == "json":
        sharing = await uow.team.sharing(person_id)
        document = json.dumps(
            passport_document(snapshot, now=now, team_sharing=sharing),
            ensure_ascii=False,
            indent=2,
        )
        files = await uow.artifacts.artifact_paths(person_id)
        if not files:
            return [
                Attachment(f"utp-passport-{stamp}.json", document.encode(), "application/json")
            ]
        vault = await uow.people.vault(person_id)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("passport.json", document)
            for artifact, rel in files:
                try:
                    zf.writestr(
                        f"files/{artifact.id}-{artifact.original_name}",
                        services.blobs.get(vault, rel),
                    )
                except OSError:
                    logger.warning("artifact %s missing from the blob store", artifact.id)
        return [Attachment(f"utp-passport-{stamp}.zip", buffer.getvalue(), "application/zip")]
    from ler import export as ler_export
    from ler import keys

    key = await person_key(services, uow, person_id)
    if fmt == "key":
        # The key that signs the person's badges is theirs: a private JWK to keep safe.
        return [Attachment("utp-signing-key.jwk.json", keys.export_key(key), "application/json")]
    made = ler_export.export_passport(snapshot, fmt, key, include_quotes=include_quotes, now=now)
    if len(made) == 1:
        f = made[0]
        return [Attachment(f.filename, f.content, f.mime)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in made:
            zf.writestr(f.filename, f.content)
    return [Attachment(f"utp-{fmt}-{stamp}.zip", buffer.getvalue(), "application/zip")]


async def person_key(services: Services, uow, person_id: int):
    """The person's signing key, made (and sealed with UTP_SECRET_KEY) on first use."""
    from ler import keys

    if not services.secret_key:
        raise UTPError("UTP_SECRET_KEY is not set")
    sealed = await uow.people.get_signing_key(person_id)
    if sealed:
        return keys.open_key(sealed, services.secret_key)
    key = keys.new_person_key()
    if await uow.people.set_signing_key_once(person_id, keys.seal_key(key, services.secret_key)):
        return key
    # Another export made the key first (two taps, formats at once): one key per person.
    sealed = await uow.people.get_signing_key(person_id)
    if not sealed:
        raise StorageConflict("the signing key changed while it was made")
    return keys.open_key(sealed, services.secret_key)


async def export(turn: Turn, arg: str | None) -> list[Outbound]:
    """Ask for a format, or make the export (`/export clr noquotes` leaves quotes out)."""
    words = (arg or "").lower().split()
    fmt = words[0] if words else ""
    include_quotes = not ({"noquotes", "no-quotes", "private"} & set(words[1:]))
    if fmt not in FORMATS:
        return [say(texts.EXPORT_ASK, *export_choices())]
    try:
        attachments = await build_export(
            turn.services, turn.uow, turn.person.id, fmt, turn.now, include_quotes=include_quotes
        )
    except BadInput as exc:
        return [say(exc.reason if fmt == "json" else texts.EXPORT_NOTHING_CONFIRMED)]
    except (StorageBusy, StorageConflict, StorageUnavailable):
        raise  # the storage-fault policy retries the whole turn
    except UTPError:
        logger.exception("export %s failed", fmt)
        return [say(texts.EXPORT_FAILED)]
    return [
        Outbound(text=texts.EXPORT_READY.format(what=FORMATS[fmt]), attachment=a)
        for a in attachments
    ]


async def ask_forget(turn: Turn) -> list[Outbound]:
    """Confirm before erasing."""
    await turn.save_state(awaiting="forget")
    return [
        say(
            texts.FORGET_ASK,
            Choice(texts.FORGET_YES, "forget:yes"),
            Choice(texts.FORGET_NO, "forget:no"),
        )
    ]


async def forget(turn: Turn) -> list[Outbound]:
    """Erase the person: data key first (all their sealed words become unreadable at once,
    backups and old pages included), then rows, then files and exports. What could not be
    removed is said honestly and retried as a job. Message-key hashes stay (replays stay dead).
    """
    await turn.uow.team.leave(turn.person.id, turn.now)  # /forget implies team sharing off
    folders = await turn.uow.whole_passport.delete_person(turn.person.id)
    # Committed before the files go, so the reply can tell what really happened.
    await turn.uow.commit()
    await turn.uow.whole_passport.scrub()
    left = turn.services.blobs.delete_folders(folders)
    if not left:
        return [say(texts.FORGET_DONE, replace=True)]
    logger.warning("forget: %d folder(s) left behind, retrying as a job", len(left))
    await turn.uow.jobs.enqueue(ForgetFiles(tuple(folders)), turn.now, max_attempts=FORGET_RETRIES)
    await turn.uow.commit()
    return [say(texts.FORGET_PARTIAL, replace=True)]


FORGET_RETRIES = 20  # backoff doubles to an hour: about a day of tries, then parked (visible)


def erase_folders(services: Services, folders: list[str]) -> None:
    """The `forget_files` job: remove what /forget could not; raises while anything is left."""
    left = services.blobs.delete_folders(list(folders))
    if left:
        raise UTPError(f"still cannot remove {len(left)} folder(s): {', '.join(left)}")


async def keep(turn: Turn) -> list[Outbound]:
    """The person changed their mind about forgetting."""
    await turn.save_state(awaiting=None)
    return [say(texts.FORGET_KEPT, replace=True)]
