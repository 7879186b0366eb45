"""Files the commands write (backups, exports): whole or not at all."""

import os
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def written_whole(path: str | Path, *, opener=open):
    """A text stream to a file beside ``path``, moved over ``path`` once everything is written:
    a write that fails (a full disk, a stopped command) leaves no partial file, and any earlier
    file at ``path`` as it was. ``opener``: ``open``, or ``gzip.open`` and the like."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with opener(temporary, "wt", encoding="utf-8") as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
