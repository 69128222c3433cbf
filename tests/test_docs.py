"""The docs are tested: every command has help and is in the generated reference, and every
command, option and example in the README and the hand-written pages works as written."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from typer.testing import CliRunner

from kb.cli.app import app
from kb.pipeline.build import BuildSummary
from kb.sinks.site.clidoc import cli_reference, commands
from kb.sinks.site.pages import GENERATED
from kb.synth.pooling import CSV_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
DOCS = [ROOT / "README.md", *sorted(SITE.rglob("*.md"))]

#: ``kb`` (or ``.venv/bin/kb``) starting a shell command in code: at the start of a line or after
#: ``&&``, ``;`` or ``|``; so "evidence-kb", "from kb import" and "kb.synth.pooling" are not calls.
KB_CALL = re.compile(r"(?:^|&&|;|\|)\s*(?:\$\s*)?(?:\S*/)?kb((?:[ \t]+[^\s#`]+)*)", re.MULTILINE)


def _code(text: str) -> Iterator[str]:
    """The code in a Markdown file: fenced blocks, indented blocks, and inline code spans."""
    fenced = re.compile(r"^```.*?$(.*?)^```", re.MULTILINE | re.DOTALL)
    for block in fenced.finditer(text):
        yield block.group(1)
    prose = fenced.sub("", text)
    yield from (line for line in prose.splitlines() if line.startswith("    "))
    yield from re.findall(r"`([^`\n]+)`", prose)


def _commands_in(text: str) -> Iterator[list[str]]:
    """The tokens after ``kb`` of every call in the code of ``text``."""
    for code in _code(text):
        for line in code.splitlines():
            line = line.split(" #", 1)[0]
            for call in KB_CALL.finditer(line):
                yield call.group(1).split()


def _options(cmd: Any) -> set[str]:
    return {o for p in cmd.params for o in [*p.opts, *p.secondary_opts] if o.startswith("-")} | {"--help"}


def test_every_command_has_help_and_is_in_the_reference() -> None:
    reference = cli_reference()
    found = list(commands())
    names = {" ".join(path) for path, _, _ in found}
    assert {"build", "sparql", "readers"} <= names
    for path, summary, text in found:
        assert summary.strip(), f"kb {' '.join(path)} has no help text"
        assert text.startswith(f"Usage: {' '.join(['kb', *path])} ")
        assert f"## `{' '.join(['kb', *path])}`" in reference
        assert text in reference  # the verbatim --help, not a summary of it


def test_built_site_has_the_cli_reference(seed_build: BuildSummary) -> None:
    html = (seed_build.out / "site" / "reference" / "cli.html").read_text(encoding="utf-8")
    for path, _, _ in commands():
        assert f'id="{"-".join(["kb", *path])}"' in html


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_commands_in_docs_exist_with_their_options(doc: Path) -> None:
    root = typer.main.get_command(app)
    for tokens in _commands_in(doc.read_text(encoding="utf-8")):
        cmd: Any = root
        words = [t.strip("[]") for t in tokens]
        while words and not words[0].startswith("-") and hasattr(cmd, "commands"):
            if words[0].isupper() or words[0] in {"COMMAND", "..."}:
                break  # a placeholder such as `kb COMMAND --help`
            assert words[0] in cmd.commands, f"{doc.name}: `kb {' '.join(tokens)}` names no command"
            cmd = cmd.commands[words.pop(0)]
        for word in words:
            if word.startswith("--"):
                option = word.split("=", 1)[0]
                assert option in _options(cmd), f"{doc.name}: `kb {' '.join(tokens)}`: no option {option}"


def test_readme_usage_names_existing_commands() -> None:
    calls = list(_commands_in((ROOT / "README.md").read_text(encoding="utf-8")))
    named = {t[0] for t in calls if t and not t[0].startswith("-")}
    assert {"build", "sparql"} <= named  # the usage section shows the main job and querying


def test_nav_pages_exist() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def pages(node: Any) -> Iterator[str]:
        if isinstance(node, str):
            yield node
        elif isinstance(node, list):
            for item in node:
                yield from pages(item)
        elif isinstance(node, dict):
            for value in node.values():
                yield from pages(value)

    listed = list(pages(config["nav"]))
    assert "tutorial.md" in listed and "reference/cli.md" in listed
    for page in listed:
        generated = page in GENERATED or page.split("/")[0] in GENERATED
        assert generated or (SITE / page).is_file(), f"mkdocs.yml nav names a missing page: {page}"


def test_tutorial_sparql_query_answers_as_described(seed_build: BuildSummary) -> None:
    text = (SITE / "tutorial.md").read_text(encoding="utf-8")
    [block] = [b for b in re.findall(r"```sh\n(.*?)```", text, re.DOTALL) if "kb sparql" in b]
    query = block[block.index("'") + 1 : block.rindex("'")]
    result = CliRunner().invoke(app, ["sparql", query, "--out", str(seed_build.out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(result.output.splitlines()))
    assert rows[0] == ["citing", "title"]
    assert len(rows) == 1 + 5  # "You get a table with five rows, one per citing article."


def test_pooling_guide_script_runs(seed_build: BuildSummary, tmp_path: Path) -> None:
    text = (SITE / "guide" / "pool-proportions.md").read_text(encoding="utf-8")
    [script] = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    (tmp_path / "build").symlink_to(seed_build.out)  # the script reads build/kb.sqlite, as the guide says
    done = subprocess.run(  # noqa: S603  (our own interpreter running the guide's own code)
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    with (tmp_path / "proportions.csv").open(encoding="utf-8") as fh:
        assert tuple(next(csv.reader(fh))) == CSV_COLUMNS
