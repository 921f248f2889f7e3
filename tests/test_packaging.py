"""The installed names: DeepScope claims the one import name `deepscope` and no generic one.

pyproject.toml lists every package by hand (gui/ installs as deepscope, core/ as
deepscope.core, resources/ as deepscope.resources), so a package left off the list would be
missing from the wheel while every test of the editable install still passed. The wheel test
builds the wheel as a user's pip does (offline, no build isolation), installs it into a fresh
virtual environment and looks at what landed there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"deepscope": "gui", "deepscope.core": "core", "deepscope.resources": "resources"}

# Run in the venv: what `import deepscope` and the console script resolve to, as JSON.
PROBE = """
import importlib.metadata as md, json, deepscope, deepscope.core
(ep,) = md.entry_points(group="console_scripts", name="deepscope")
main = ep.load()
print(json.dumps({"deepscope": deepscope.__file__, "core": deepscope.core.__file__,
                  "entry_point": ep.value, "loaded": f"{main.__module__}:{main.__name__}",
                  "metadata": str(ep.dist.locate_file(""))}))
"""


def setuptools_table() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["setuptools"]


def python_folders() -> dict[Path, str]:
    """Every folder under gui/, core/ and resources/ that holds Python -> its installed name."""
    return {path.parent: ".".join((name, *path.parent.relative_to(ROOT / folder).parts))
            for name, folder in FOLDERS.items() for path in (ROOT / folder).rglob("*.py")}


def test_every_python_folder_is_a_listed_package() -> None:
    table = setuptools_table()
    folders = python_folders()
    assert table["package-dir"] == FOLDERS
    # setuptools leaves a folder without __init__.py out of the wheel without a word
    assert [str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").is_file()] == []
    assert sorted(table["packages"]) == sorted(folders.values()), \
        "pyproject.toml's [tool.setuptools] packages must name exactly the package folders"


def run(*cmd: object, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))}:\n{done.stdout}{done.stderr}"
    return done.stdout


def venv_env() -> dict[str, str]:
    """The environment for the venv's python: no PYTHONPATH, no user site, no pip check."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return env | {"PYTHONNOUSERSITE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def build_wheel(tmp: Path) -> Path:
    """The wheel of a copy of the repository (setuptools' build/ and egg-info, and a stale
    build/lib it would pack, stay out of the checkout)."""
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".*", "build", "dist", "*.egg-info", "__pycache__"))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "--disable-pip-version-check", "-q", "-w", tmp / "dist", src, cwd=tmp)
    (wheel,) = (tmp / "dist").glob("deepscope-*.whl")
    return wheel


@dataclass(frozen=True)
class Installed:
    wheel: Path
    home: Path  # the venv
    python: Path
    site: Path  # the venv's site-packages
    scripts: Path
    top_level: list[str]  # what the install put into site-packages


def install(wheel: Path, tmp: Path) -> Installed:
    """A fresh venv holding only the wheel (installed offline, without dependencies). It sees
    this interpreter's site-packages (numpy, torch, Qt) through a .pth of plain paths, which
    runs none of their .pth files: the editable install's import hook stays out, so nothing
    can fall back on the checkout."""
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False, symlinks=os.name != "nt")
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    paths = json.loads(run(python, "-c", "import json, sysconfig; print(json.dumps("
                           "[sysconfig.get_path('purelib'), sysconfig.get_path('scripts')]))",
                           cwd=tmp, env=venv_env()))
    site, scripts = (Path(p) for p in paths)
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--disable-pip-version-check", "-q", wheel, cwd=tmp, env=venv_env())
    top_level = sorted(p.name for p in site.iterdir())
    system = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    (site / "_outer_site_packages.pth").write_text("\n".join(system) + "\n")
    return Installed(wheel, env_dir, python, site, scripts, top_level)


@pytest.fixture(scope="module")
def installed() -> Iterator[Installed]:
    with tempfile.TemporaryDirectory(prefix="deepscope-wheel-") as tmp:
        yield install(build_wheel(Path(tmp)), Path(tmp))


@pytest.mark.slow
def test_wheel_holds_the_style_sheet_and_no_screenshots(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = wheel.namelist()
    assert "deepscope/resources/style.qss" in names
    assert [n for n in names if Path(n).name.startswith("tour-")] == []


@pytest.mark.slow
def test_install_claims_only_deepscope(installed: Installed) -> None:
    info = next(n for n in installed.top_level if n.endswith(".dist-info"))
    assert installed.top_level == ["deepscope", info]
    assert (installed.site / info / "top_level.txt").read_text().split() == ["deepscope"]
    record = (installed.site / info / "RECORD").read_text().splitlines()
    # the console script lies outside site-packages: its RECORD path starts with ../
    tops = {line.split("/")[0] for line in record if not line.startswith("..")}
    assert tops == {"deepscope", info}


@pytest.mark.slow
def test_venv_imports_its_installed_copy_and_its_entry_point(installed: Installed) -> None:
    found = json.loads(run(installed.python, "-c", PROBE, cwd=installed.home, env=venv_env()))
    site = installed.site.resolve()
    assert Path(found["deepscope"]).resolve() == site / "deepscope" / "__init__.py"
    assert Path(found["core"]).resolve() == site / "deepscope" / "core" / "__init__.py"
    assert Path(found["metadata"]).resolve() == site
    assert found["entry_point"] == found["loaded"] == "deepscope.cli:main"


@pytest.mark.slow
def test_console_script_runs_from_the_venv(installed: Installed) -> None:
    script = installed.scripts / ("deepscope.exe" if os.name == "nt" else "deepscope")
    usage = run(script, "tour", "--help", cwd=installed.home, env=venv_env())
    assert usage.startswith("usage: deepscope tour")
    usage = run(installed.python, "-m", "deepscope", "--help", cwd=installed.home, env=venv_env())
    assert usage.startswith("usage: deepscope")
