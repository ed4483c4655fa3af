"""The blob store on disk: one folder per person, named by a random id, files sealed.

Layout: `blobs/<folder>/<ab>/<name>` and `exports/<folder>/…` under the data dir. `<folder>`
is the person's random folder id (`person_keys.folder`, never reused, never a name or a row id);
`<name>` is keyed by the person's data key, so equal files of two people never look alike; the
bytes are sealed with that key. Folders are 0700 and files 0600 from the moment they exist.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from pathlib import Path
from typing import Any

from passport.ports import Vault
from storage.private_files import private_dir, write_private

logger = logging.getLogger(__name__)

_FOLDER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _folder_name(folder: str) -> str:
    if not _FOLDER.match(folder):
        raise ValueError("not a person folder id")
    return folder


class FileBlobStore:
    """Keeps artifact bytes under `root/<folder>/…` and exports under `exports/<folder>/`."""

    def __init__(self, root: Path, exports: Path | None = None) -> None:
        self.root = root
        self.exports = exports if exports is not None else root.parent / "exports"

    def put(self, vault: Vault, content: bytes) -> tuple[str, str]:
        """Seal and store bytes atomically; returns (sha256 of the bytes, path under the root)."""
        sha = hashlib.sha256(content).hexdigest()
        name = vault.blob_name(sha)
        rel = Path(_folder_name(vault.folder)) / name[:2] / name
        path = self.root / rel
        if not path.exists():
            private_dir(path.parent)
            write_private(path, vault.seal_bytes(content))
        return sha, rel.as_posix()

    def get(self, vault: Vault, rel_path: str) -> bytes:
        """Read and open a stored blob by the relative path `put` returned."""
        path = (self.root / rel_path).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("blob path escapes the store")
        return vault.open_bytes(path.read_bytes())

    def exports_dir(self, folder: str) -> Path:
        """The person's own exports folder (0700), made if needed."""
        return private_dir(self.exports / _folder_name(folder))

    def delete_folders(self, folders: list[str]) -> list[str]:
        """Remove these person folders (blobs and exports); returns what could not be removed."""
        left: list[str] = []
        for folder in folders:
            for base in (self.root, self.exports):
                path = base / _folder_name(folder)
                errors: list[str] = []

                def note(_func: object, _path: str, info: Any, errors: list[str] = errors) -> None:
                    errors.append(info[0].__name__)

                shutil.rmtree(path, onerror=note)  # onerror, not onexc: Python 3.11
                if path.exists():
                    where = f"{base.name}/{folder}"
                    logger.warning("could not remove %s (%s)", where, ", ".join(set(errors)))
                    left.append(where)
        return left
