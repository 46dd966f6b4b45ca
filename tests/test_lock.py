"""requirements.lock: every requirement of pyproject.toml pinned inside its range, and the environment the tests run
in is the locked one (`.ci/run` and the README install with ``-c requirements.lock``)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s*$")


def _pins(text: str) -> dict[str, Version]:
    """The lock's ``name==version`` lines; any other line that is not a comment or blank fails."""
    pins = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"requirements.lock line {number} is not name==version: {line!r}"
        pins[canonicalize_name(match[1])] = Version(match[2])
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"] + project["optional-dependencies"]["dev"]]


def test_every_requirement_is_pinned_within_its_range():
    pins = _pins((ROOT / "requirements.lock").read_text())
    stale = [f"{requirement}: {pins.get(canonicalize_name(requirement.name), 'not in the lock')}"
             for requirement in _requirements()
             if canonicalize_name(requirement.name) not in pins
             or not requirement.specifier.contains(pins[canonicalize_name(requirement.name)], prereleases=True)]
    assert not stale, f"requirements.lock is stale for {stale}: run .ci/lock and commit the lock"
    assert "torch" in pins and not pins["torch"].local, "torch is pinned by version, not by build (.ci/lock)"


def test_the_environment_is_the_locked_one():
    """Each locked package installed at its locked version (a local label such as +cpu aside): an environment
    installed without the lock, or a lock changed without reinstalling, fails here."""
    pins = _pins((ROOT / "requirements.lock").read_text())
    installed = {canonicalize_name(dist.metadata["Name"]): Version(dist.version) for dist in metadata.distributions()}
    drift = {name: (str(pin), str(installed.get(name))) for name, pin in pins.items()
             if name not in installed or installed[name].public != pin.public}
    assert not drift, (f"installed versions differ from requirements.lock (locked, installed): {drift}; "
                       'reinstall with: .venv/bin/pip install -c requirements.lock -e ".[dev]"')


def test_the_lock_parser_refuses_what_pip_constraints_refuse():
    """The parser this file trusts: an extra (pip refuses extras in a constraints file) or a range is no pin."""
    for line in ("kedro-datasets[pandas-csvdataset]==9.6.0", "pandas>=3"):
        with pytest.raises(AssertionError, match=re.escape(repr(line))):
            _pins(line)
    assert _pins("# via x\n\nTorch==2.13.0\n") == {"torch": Version("2.13.0")}
