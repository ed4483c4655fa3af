"""Files and folders only their owner can read: 0600 and 0700, set at creation, whatever the umask.

Everything UTP writes about a person (the database and its -wal/-shm, blobs, exports with the
private-key JWK, the secret key) goes through these helpers.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Make `path` (and missing parents) as 0700 folders; an existing `path` is narrowed to 0700.

    Parents that already exist are left alone: they may be shared folders such as /tmp.
    """
    missing: list[Path] = []
    here = path
    while not here.exists():
        missing.append(here)
        if here.parent == here:
            break
        here = here.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            pass
        os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask
    if not missing and stat.S_IMODE(path.stat().st_mode) != DIR_MODE:
        try:
            os.chmod(path, DIR_MODE)
        except OSError:
            pass  # a read-only mount: nothing new is written there until it is writable again
    return path


def touch_private(path: Path) -> Path:
    """Create an empty 0600 file if there is none (SQLite then gives -wal/-shm the same mode)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def write_private(path: Path, content: bytes) -> Path:
    """Write `content` to `path` atomically as a 0600 file (the folder must exist)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp makes it 0600
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
