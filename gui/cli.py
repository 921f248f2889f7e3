"""The `deepscope` command: the app, `tour`, and each idea's headless subcommands (`train`,
`occlusion`, `train-gan`, `sample`, `interpolate`), which live beside their core package.

The headless commands import only core (no Qt), so they run without a display.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from importlib.metadata import version

from deepscope.core.classifier import cli as classifier_cli
from deepscope.core.embedding import cli as embedding_cli
from deepscope.core.features import cli as features_cli
from deepscope.core.gan import cli as gan_cli
from deepscope.core.igan import cli as igan_cli
from deepscope.core.jobs.args import out_dir
from deepscope.core.latent import cli as latent_cli
from deepscope.core.occlusion import cli as occlusion_cli

IDEAS = (classifier_cli, occlusion_cli, features_cli, embedding_cli, gan_cli, latent_cli,
         igan_cli)
RUNS_DIR_HELP = "run store folder (or DEEPSCOPE_RUNS_DIR)"


def commands() -> tuple[argparse.ArgumentParser, dict[str, Callable[..., int]]]:
    """The parser and, by subcommand, the function that runs it."""
    p = argparse.ArgumentParser(prog="deepscope", description="See inside deep vision networks.")
    p.add_argument("--version", action="version", version=f"deepscope {version('deepscope')}")
    p.add_argument("--runs-dir", type=out_dir, help=RUNS_DIR_HELP)
    sub = p.add_subparsers(dest="command")
    handlers: dict[str, Callable[..., int]] = {}
    for idea in IDEAS:
        handlers |= idea.add_commands(sub)
    tour = sub.add_parser("tour", help="save a screenshot of every panel (offscreen)")
    tour.add_argument("--out", type=out_dir, required=True)
    handlers["tour"] = tour_command
    for command in sub.choices.values():  # also after the command's name, as its usage shows
        command.add_argument("--runs-dir", type=out_dir, default=argparse.SUPPRESS,
                             help=RUNS_DIR_HELP)
    return p, handlers


def window_command(args: argparse.Namespace) -> int:
    """The app's window on the run store (exits when it closes)."""
    from .app import run

    return run(args.runs_dir)


def tour_command(args: argparse.Namespace) -> int:
    from .tour import tour

    for path in tour(args.out, args.runs_dir):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    p, handlers = commands()
    args = p.parse_args(argv)
    try:  # no command: the window
        return handlers.get(args.command, window_command)(args)
    except Exception as err:  # every failure ends in one clear line (DEEPSCOPE_DEBUG=1: traceback)
        if os.environ.get("DEEPSCOPE_DEBUG"):
            raise
        print(f"deepscope: error: {err}", file=sys.stderr)
        return 1
