"""An idea's headless command run through its own parser and handler, as `deepscope` runs it:
core's tests run without the app's command line, which imports Qt-side packages."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType


def run_command(cli: ModuleType, name: str, *argv: str, runs_dir: Path | None = None) -> int:
    """`deepscope [--runs-dir RUNS_DIR] NAME ARGV` with the commands of `cli`."""
    parser = argparse.ArgumentParser(prog="deepscope")
    parser.add_argument("--runs-dir", type=Path, default=runs_dir)
    handlers = cli.add_commands(parser.add_subparsers(dest="command"))
    return handlers[name](parser.parse_args([name, *argv]))
