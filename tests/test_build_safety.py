"""Build safety: one build per folder (lock), crash-safe swap and recovery, clean OS-error messages."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli.app import app
from kb.pipeline import lock
from kb.pipeline.build import MARKER, BuildError, build
from kb.pipeline.lock import FAULT_ENV, BuildLock, LockError, ensure_build, lock_path, old_path
from kb.sinks.rdf.sink import RdfSink

KB = str(Path(sys.executable).parent / "kb")


def _kb_build(manifest: Path, out: Path, *extra: str, fault: str | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    argv = [KB, "build", "--manifest", str(manifest), "--out", str(out), "--no-site", "--jobs", "1", *extra]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def _leftovers(out: Path) -> list[str]:
    """What builds left beside ``out`` other than its cache: temporary folders, .old, the lock."""
    return sorted(
        p.name
        for p in out.parent.iterdir()
        if p.name.startswith(f".{out.name}.") and p.name != f".{out.name}.cache"
    )


@pytest.fixture
def previous(manifest_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A finished build in tmp_path/out (the one every failure below must leave intact)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "out"
    build(manifest_copy, out, with_site=False)
    return out


def test_second_build_fails_fast_while_another_holds_the_folder(manifest_copy: Path, previous: Path) -> None:
    before = _files(previous)
    with (
        BuildLock(previous),
        pytest.raises(LockError, match=rf"another kb build \(pid {os.getpid()}\).*--wait"),
    ):
        build(manifest_copy, previous, with_site=False)
    assert _files(previous) == before and _leftovers(previous) == []


def test_wait_queues_behind_the_running_build(manifest_copy: Path, previous: Path) -> None:
    with BuildLock(previous):
        waiting = _kb_build(manifest_copy, previous, "--wait")
        assert waiting.stdout is not None
        first = waiting.stdout.readline()  # blocks until the build says it waits for the lock
        assert "waiting for the kb build running as pid" in first, first + waiting.stdout.read()
        time.sleep(0.5)
        assert waiting.poll() is None  # still queued while the lock is held
    output, _ = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, output
    assert (previous / MARKER).is_file() and _leftovers(previous) == []


def test_concurrent_builds_leave_one_complete_build(manifest_copy: Path, previous: Path) -> None:
    runs = [_kb_build(manifest_copy, previous, "--wait") for _ in range(2)]
    outputs = [r.communicate(timeout=300)[0] for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    assert {"kb.sqlite", "kb.nq", "kb.ttl", MARKER} <= set(_files(previous))
    assert _leftovers(previous) == []
    check = CliRunner().invoke(app, ["check", "--out", str(previous)])
    assert check.exit_code == 0, check.output


def test_kill_between_the_renames_is_recovered(manifest_copy: Path, previous: Path) -> None:
    before = _files(previous)
    killed = _kb_build(manifest_copy, previous, fault="between-renames")
    assert killed.wait(timeout=120) == 99
    assert not previous.exists() and old_path(previous).is_dir()  # what a kill here used to leave
    # any command that opens the build puts it back first
    assert ensure_build(previous) and _files(previous) == before and _leftovers(previous) == []
    # and so does the next build, which then succeeds
    assert _kb_build(manifest_copy, previous, fault="between-renames").wait(timeout=120) == 99
    summary = build(manifest_copy, previous, with_site=False)
    assert summary.articles == 6 and _files(previous) == before and _leftovers(previous) == []


def test_a_query_command_restores_a_build_killed_between_the_renames(
    manifest_copy: Path, previous: Path
) -> None:
    """`kb sparql` (like check, export, serve, synth) puts the previous build back before opening it."""
    before = _files(previous)
    assert _kb_build(manifest_copy, previous, fault="between-renames").wait(timeout=120) == 99
    assert not previous.exists()
    done = CliRunner().invoke(
        app, ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--out", str(previous)]
    )
    assert done.exit_code == 0, done.output
    assert "restored the previous build" in done.output
    assert _files(previous) == before and _leftovers(previous) == []


def test_kill_9_mid_build_keeps_the_previous_build(manifest_copy: Path, previous: Path) -> None:
    before = _files(previous)
    running = _kb_build(manifest_copy, previous, fault="stall:written")
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".out.tmp-") for p in previous.parent.iterdir()):
        assert time.monotonic() < deadline and running.poll() is None
        time.sleep(0.05)
    time.sleep(1)  # let it write into its temporary folder
    running.send_signal(signal.SIGKILL)
    running.wait(timeout=30)
    assert _files(previous) == before
    assert any(name.startswith(".out.tmp-") for name in _leftovers(previous))  # the dead build's folder
    build(manifest_copy, previous, with_site=False)
    assert _files(previous) == before and _leftovers(previous) == []


def test_disk_full_is_a_clear_error_and_keeps_the_previous_build(
    manifest_copy: Path, previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _files(previous)

    def full(self: RdfSink, batch: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.out / "kb.nq"))

    monkeypatch.setattr(RdfSink, "write", full)
    with pytest.raises(BuildError, match=r"\.out\.tmp-\w+/kb\.nq: cannot write the build: no space left"):
        build(manifest_copy, previous, with_site=False)
    assert _files(previous) == before and _leftovers(previous) == []
    result = CliRunner().invoke(
        app, ["build", "--manifest", str(manifest_copy), "--out", str(previous), "--no-site"]
    )
    assert result.exit_code == 1 and "no space left" in result.output
    assert "Traceback" not in result.output


def test_read_only_folder_is_a_clear_error(
    manifest_copy: Path, previous: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # simulated: the tests may run as root, which a chmod does not stop (see the next test)
    def read_only(*args: object, **kwargs: object) -> str:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(previous.parent))

    monkeypatch.setattr(lock.tempfile, "mkdtemp", read_only)
    result = CliRunner().invoke(
        app, ["build", "--manifest", str(manifest_copy), "--out", str(previous), "--no-site"]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{previous.parent}" in result.output and "Read-only file system" in result.output
    assert (previous / MARKER).is_file()


def test_unwritable_parent_folder_is_a_clear_error(manifest_copy: Path, previous: Path) -> None:
    before = _files(previous)
    previous.parent.chmod(0o555)
    try:
        if os.access(previous.parent, os.W_OK):
            pytest.skip("running as root: a read-only mode bit does not stop this process writing")
        result = CliRunner().invoke(app, ["build", "--manifest", str(manifest_copy), "--out", str(previous)])
    finally:
        previous.parent.chmod(0o755)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert str(lock_path(previous)) in result.output and _files(previous) == before
