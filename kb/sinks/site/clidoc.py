"""The CLI reference page, generated from ``kb --help`` of every command at site build time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

#: Fixed width, so the page is the same on every machine and terminal.
WIDTH = 96


def _plain(cmd: Any) -> Any:
    """Switch off rich boxes (their line-drawing glyphs misalign in many browser fonts)."""
    cmd.rich_markup_mode = None
    for sub in getattr(cmd, "commands", {}).values():
        _plain(sub)
    return cmd


def commands() -> Iterator[tuple[list[str], str, str]]:
    """Every command of ``kb`` as (path of names, one-line summary, ``--help`` text), depth first."""
    from kb.cli.app import app  # the CLI imports the library; import it only when documenting

    # get_command builds fresh click objects, so switching off rich here leaves the real CLI alone.
    root = _plain(typer.main.get_command(app))

    def walk(path: list[str], cmd: Any, parent: Any) -> Iterator[tuple[list[str], str, str]]:
        ctx = cmd.make_context(
            path[-1] if path else "kb",
            [],
            parent=parent,
            resilient_parsing=True,
            terminal_width=WIDTH,
            max_content_width=WIDTH,
        )
        text = "\n".join(line.rstrip() for line in cmd.get_help(ctx).strip("\n").splitlines())
        yield path, (cmd.help or "").strip().split("\n")[0], text
        subs: dict[str, Any] = getattr(cmd, "commands", {})
        for name in sorted(subs):
            if not subs[name].hidden:
                yield from walk([*path, name], subs[name], ctx)

    yield from walk([], root, None)


def cli_reference() -> str:
    """The Markdown page: a table of commands, then each command's verbatim ``--help``."""
    cmds = list(commands())
    out = [
        "---",
        "hide:",
        "  - navigation",
        "---",
        "",
        "# Command-line reference",
        "",
        "Generated from `kb --help` and `kb COMMAND --help` when the site is built, so it always "
        "matches the installed version. Run any command with `--help` to see the same text.",
        "",
        "| Command | What it does |",
        "|---|---|",
    ]
    for path, summary, _ in cmds[1:]:
        out.append(
            f"| [`kb {' '.join(path)}`](#{'-'.join(['kb', *path])}) | {summary.replace('|', '&#124;')} |"
        )
    out.append("")
    for path, _, text in cmds:
        out += [
            f"## `{' '.join(['kb', *path])}` {{#{'-'.join(['kb', *path])}}}",
            "",
            "```text",
            text,
            "```",
            "",
        ]
    return "\n".join(out)
