"""Build safety: one build per output folder (a lock), a unique temporary folder, a recoverable swap.

Beside ``<out>`` a build uses ``.<out>.lock`` (held with flock while it runs, removed after),
``.<out>.tmp-XXXX`` (its own temporary folder) and, for an instant during the swap,
``.<out>.old``. Whatever a killed build leaves, the next ``kb build`` (or ``ensure_build``)
puts right: it restores ``.<out>.old`` when ``<out>`` is missing and removes temporary folders
no live build owns.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kb.errors import KBError

#: KB_BUILD_FAULT names a point where the build process exits abruptly (tests of crash safety).
FAULT_ENV = "KB_BUILD_FAULT"


class LockError(KBError):
    """Another build holds the output folder, or the lock file cannot be made."""


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def old_path(out: Path) -> Path:
    return out.parent / f".{out.name}.old"


def fault(point: str) -> None:
    """Test hook: exit here as a kill -9 would, or stall here so a test can kill the process.

    ``KB_BUILD_FAULT=point`` exits; ``KB_BUILD_FAULT=stall:point`` sleeps a minute.
    """
    hook = os.environ.get(FAULT_ENV)
    if hook == point:
        os._exit(99)
    if hook == f"stall:{point}":
        time.sleep(60)


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode("ascii", errors="replace").strip() or "unknown"
    except OSError:
        return "unknown"


class BuildLock:
    """An exclusive flock on ``.<out>.lock``; the file is removed on release.

    Removing a lock file is safe only together with an identity check: a waiter that wakes up
    holding the lock of a file that was meanwhile unlinked (or replaced) starts over.
    """

    def __init__(self, out: Path, *, wait: bool = False, notify: Callable[[str], None] | None = None) -> None:
        self.out, self.path, self.wait, self.notify = out, lock_path(out), wait, notify
        self.fd: int | None = None

    def __enter__(self) -> BuildLock:
        while self.fd is None:
            fd = self._open()
            self._lock(fd)
            if self._current(fd):
                self.fd = fd
            else:
                os.close(fd)
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def _open(self) -> int:
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LockError(f"{self.path}: cannot create the build lock: {exc.strerror}") from None

    def _lock(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _holder(fd)
        if not self.wait:
            os.close(fd)
            raise LockError(
                f"{self.out}: another kb build (pid {holder}) is writing this folder; "
                "wait for it to finish, or pass --wait to queue behind it"
            )
        if self.notify:
            self.notify(f"{self.out}: waiting for the kb build running as pid {holder} to finish")
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _current(self, fd: int) -> bool:
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)

    def __exit__(self, *_: object) -> None:
        if self.fd is not None:
            # unlink while still holding the lock, so no one can take the old file after us
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None


def make_temp(out: Path) -> Path:
    """A fresh temporary folder beside ``out`` (same file system, so the swap is a rename)."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise LockError(f"{out.parent}: cannot create the build's temporary folder: {exc.strerror}") from None


def recover(out: Path) -> list[str]:
    """Put right what killed builds left beside ``out``; call only while holding the BuildLock.

    Returns what was done, for the log.
    """
    done: list[str] = []
    old = old_path(out)
    if old.is_dir() and not out.exists():
        old.rename(out)  # killed between the two renames of the swap: the previous build returns
        done.append(f"restored the previous build {out} from {old.name} (an interrupted build)")
    elif old.exists():
        shutil.rmtree(old)  # killed while removing the replaced build
        done.append(f"removed {old.name}, left by an interrupted build")
    prefix = f".{out.name}.tmp"  # startswith, not glob: a folder name may hold [ or *
    for stale in sorted(p for p in out.parent.iterdir() if p.name.startswith(prefix)):
        shutil.rmtree(stale, ignore_errors=True)
        done.append(f"removed {stale.name}, the temporary folder of an interrupted build")
    return done


def ensure_build(out: Path) -> list[str]:
    """For commands that open a build: restore it first if a build was killed mid-swap.

    Cheap when all is well (two stat calls). Takes the lock only when ``<out>`` is missing and
    ``.<out>.old`` exists, waiting for a live build to finish its swap.
    """
    if out.exists() or not old_path(out).is_dir():
        return []
    try:
        with BuildLock(out, wait=True):
            return recover(out)
    except LockError:
        return []  # a read-only parent: nothing can be restored, the caller reports what is missing


def swap_in(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp``: at every instant one complete build exists (``out`` or ``.old``)."""
    old = old_path(out)
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    fault("between-renames")
    try:
        tmp.rename(out)
    except OSError as exc:
        if old.exists() and not out.exists():
            old.rename(out)
        raise LockError(
            f"{out}: cannot move the new build in place: {os.strerror(exc.errno or errno.EIO)}"
        ) from None
    shutil.rmtree(old, ignore_errors=True)
