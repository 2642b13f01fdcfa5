"""Packaging: the README's commands, environment.yml in step, and the wheel carrying its data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
import yaml

from conftest import REPO


def _requirements(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
        assert match, spec
        out[match.group(1).lower().replace("_", "-")] = match.group(2).replace(" ", "")
    return out


def test_environment_yml_matches_pyproject() -> None:
    """environment.yml lists exactly pyproject's runtime and dev requirements, same versions."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = _requirements(project["dependencies"] + project["optional-dependencies"]["dev"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    listed = _requirements(conda)
    python = listed.pop("python")
    assert listed.pop("pip") == ""
    assert listed == wanted
    assert python == project["requires-python"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-e ."]


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run's last command is the README's test command, character for character."""
    ci = (REPO / ".ci" / "run").read_text().strip().splitlines()[-1]
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    assert ci in blocks
    assert "pytest" in ci


def test_readme_quickstart_has_two_commands() -> None:
    """The quickstart is exactly two one-line commands: the demo and the tests."""
    readme = (REPO / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)\n```", quickstart, flags=re.S)
    assert len(blocks) == 2
    assert all("\n" not in b for b in blocks)
    assert "pmo2vmo demo" in blocks[0]
    assert "pytest" in blocks[1]


@pytest.mark.slow
def test_wheel_installs_and_runs_the_demo(tmp_path: Path) -> None:
    """A built wheel carries assessment/, templates/ and playbook/ (the workshop page and its
    Voilà template, the training modules); `pmo2vmo demo` and `pmo2vmo training` run from it."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(REPO)],
        check=True,
    )  # fmt: skip
    wheel = next(dist.glob("pmo2vmo-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         str(wheel)],
        check=True,
    )  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [str(python), "-c", "import pmo2vmo.resources as r; print(r.assessment_dir())"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=clean,
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(env_dir), where
    assert Path(where).parent.name == "_data"
    for folder in ("templates", "playbook"):
        assert (Path(where).parent / folder).is_dir()
    out = tmp_path / "demo-out"
    result = subprocess.run(
        [str(env_dir / "bin" / "pmo2vmo"), "demo", "--out", str(out)],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=clean,
    )  # fmt: skip
    assert "Northwind Utilities" in result.stdout
    assert (out / "sample-scores.xlsx").stat().st_size > 10_000
    data = Path(where).parent
    assert (data / "playbook" / "workshop" / "participant.ipynb").is_file()
    assert (
        data / "templates" / "workshop" / "voila" / "templates" / "pmo2vmo" / "conf.json"
    ).is_file()
    session = tmp_path / "session"
    subprocess.run([str(env_dir / "bin" / "pmo2vmo"), "training", "--out", str(session),
                    "--facilitator-notes"], check=True, capture_output=True, cwd=tmp_path,
                   env=clean)  # fmt: skip
    assert len(list(session.glob("0*.ipynb"))) == 6
    assert len(list((session / "facilitator").glob("*.md"))) == 6
