"""The file family of jobs: downloading what a person sent, reading it, removing folders.

What a stored file adds to the passport (document text, a credential, a voice note's words)
lives in `handlers.evidence`; these jobs fetch, check and route.
"""

from __future__ import annotations

from handlers.announce import deliver, tell
from handlers.context import Services
from handlers.evidence import process_artifact
from handlers.files import store_content
from passport.errors import FileRejected
from passport.jobs import Download, ForgetFiles, ProcessArtifact
from passport.messages import InboundFile, Outbound
from passport.ports import Delivery


class FileJobs:
    """Runs `Download`, `ProcessArtifact` and `ForgetFiles` jobs."""

    def __init__(self, services: Services, delivery: Delivery) -> None:
        self.services = services
        self.delivery = delivery

    async def download(self, job: Download) -> None:
        """Fetch a file the person sent, check it, store it; a rejection is explained."""
        services, person_id = self.services, job.person_id
        async with services.uow() as uow:
            row = await uow.artifacts.stored_artifact(person_id, job.artifact_id)
            if row is None or row.status != "pending":
                return
            # Read every column now: the row is detached once the unit of work closes.
            artifact_id, platform, ref, name = row.id, row.platform, row.ref, row.original_name
        fetcher = services.fetchers.get(platform)
        if fetcher is None:
            raise RuntimeError(f"no file fetcher for {platform}")
        file = InboundFile(
            ref=ref or "",
            name=name,
            declared_size=job.declared_size,
            declared_mime=job.declared_mime,
            kind=job.file_kind,
        )
        now = services.clock.now()
        try:
            content = await fetcher.fetch(file, services.limits.max_file_bytes)
            async with services.uow() as uow:
                await store_content(
                    services,
                    uow,
                    person_id,
                    InboundFile(ref=file.ref, name=name, kind=file.kind, content=content),
                    now,
                    artifact_id=artifact_id,
                )
                await uow.commit()
        except FileRejected as exc:
            async with services.uow() as uow:
                await uow.artifacts.delete_artifact(person_id, artifact_id)
                told = await tell(uow, person_id, [Outbound(text=exc.reason)], now)
                await uow.commit()
            await deliver(services, self.delivery, told)

    async def process_artifact(self, job: ProcessArtifact) -> None:
        """Read what a stored file says: document text, a credential, a voice note."""
        await process_artifact(self.services, self.delivery, job.person_id, job.artifact_id)

    async def forget_files(self, job: ForgetFiles) -> None:
        """Remove folders /forget could not (retried with backoff while any is left)."""
        from handlers.privacy import erase_folders

        erase_folders(self.services, list(job.folders))
