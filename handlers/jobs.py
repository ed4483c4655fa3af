"""The one job table: every job message type (`passport.jobs`) and the coroutine that runs it.

Each job reads what was captured, does the slow part outside any transaction, then writes its
outcome in one short transaction. A job that raises is retried with backoff and parked when it
keeps failing; the person's words are never touched by a failure. The jobs live by family:
extraction (`jobs_extraction`), files (`jobs_files`), sending and digests (`jobs_sending`), the
weekly rhythm (`rhythm`); a channel may add its own (Slack's weekly team post).
"""

from __future__ import annotations

from handlers.context import Services
from handlers.jobs_extraction import ExtractionJobs
from handlers.jobs_files import FileJobs
from handlers.jobs_sending import SendingJobs
from handlers.rhythm import RhythmHandlers
from passport.jobs import (
    Digest,
    Download,
    Extract,
    ForgetFiles,
    JobHandler,
    JobMessage,
    Nudge,
    ProcessArtifact,
    Reminder,
    ScheduledDigest,
    Send,
)
from passport.ports import Delivery

__all__ = ["JobHandler", "JobTable", "job_table"]

JobTable = dict[type[JobMessage], JobHandler]


def job_table(services: Services, delivery: Delivery, rhythm: RhythmHandlers) -> JobTable:
    """Job message type → handler, for the runner."""
    extraction = ExtractionJobs(services, delivery)
    files = FileJobs(services, delivery)
    sending = SendingJobs(services, delivery)
    return {
        Extract: extraction.extract,
        Download: files.download,
        ProcessArtifact: files.process_artifact,
        ForgetFiles: files.forget_files,
        Send: sending.send,
        Digest: sending.digest,
        Nudge: rhythm.nudge,
        Reminder: rhythm.reminder,
        ScheduledDigest: rhythm.scheduled_digest,
    }
