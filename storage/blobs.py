"""Content-addressed blob store on disk: one folder per person, files named by sha256."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


class FileBlobStore:
    """Keeps artifact bytes under `root/p<person>/<ab>/<sha256>`; /forget removes the folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _person_dir(self, person_id: int) -> Path:
        return self.root / f"p{int(person_id)}"

    def put(self, person_id: int, content: bytes) -> tuple[str, str]:
        """Store bytes atomically; returns (sha256, path relative to the root)."""
        sha = hashlib.sha256(content).hexdigest()
        rel = Path(f"p{int(person_id)}") / sha[:2] / sha
        path = self.root / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return sha, rel.as_posix()

    def get(self, rel_path: str) -> bytes:
        """Read a stored blob by the relative path `put` returned."""
        path = (self.root / rel_path).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("blob path escapes the store")
        return path.read_bytes()

    def delete_person(self, person_id: int) -> None:
        """Remove every file of one person."""
        shutil.rmtree(self._person_dir(person_id), ignore_errors=True)
