"""Frontend builds: the platform's ``npm ci``, the repository's build, the output read safely."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from chainless.deployer.frontend import (
    FrontendError,
    OutputLimits,
    build_frontend,
    collect_output,
    offline_install_possible,
)
from chainless.deployer.isolation import BuildFailed, BuildLimits, Sandbox
from chainless.deployer.manifest import parse_manifest
from tests.deployer.fixture_repo import MANIFEST, write_mini_program

pytestmark = pytest.mark.portable


def test_a_lockfile_without_packages_installs_offline() -> None:
    assert offline_install_possible({"lockfileVersion": 3, "packages": {"": {"name": "x"}}})
    assert offline_install_possible(
        {"packages": {"": {}, "node_modules/lib": {"resolved": "../lib", "link": True}}}
    )
    assert not offline_install_possible(
        {"packages": {"": {}, "node_modules/left-pad": {"resolved": "https://registry/x.tgz"}}}
    )
    assert offline_install_possible({"lockfileVersion": 1, "dependencies": {}})
    assert not offline_install_possible({"lockfileVersion": 1, "dependencies": {"a": {}}})


def test_the_fixture_frontend_builds_offline_in_the_sandbox(tmp_path: Path) -> None:
    repo = write_mini_program(tmp_path / "repo")
    spec = parse_manifest(MANIFEST).frontend
    assert spec is not None
    with Sandbox(limits=BuildLimits(wall_seconds=120)) as box:
        built = build_frontend(repo, spec, box)
        assert [f.path for f in built.files] == ["app.js", "index.html"]
        index = (built.output / "index.html").read_bytes()
        assert built.files[1].sha256 == hashlib.sha256(index).hexdigest()
        assert built.files[1].content_type == "text/html"
        assert sorted(p.name for p in box.logs.iterdir()) == [
            "01-npm-ci.log",
            "02-npm-run-build.log",
        ]
    assert built.offline_install
    assert [s.step for s in built.steps] == ["npm ci", "npm run build"]
    assert (
        all(s.network is False for s in built.steps) or built.steps[0].isolation == "process_group"
    )
    assert "built dist/" in built.steps[1].tail
    assert len(built.digest) == 64


def test_a_failing_build_names_its_step(tmp_path: Path) -> None:
    repo = write_mini_program(tmp_path / "repo")
    (repo / "frontend" / "build.js").write_text("console.error('cannot build'); process.exit(2)\n")
    spec = parse_manifest(MANIFEST).frontend
    assert spec is not None
    with Sandbox(limits=BuildLimits(wall_seconds=120)) as box, pytest.raises(BuildFailed) as caught:
        build_frontend(repo, spec, box)
    assert caught.value.extra["step"] == "npm run build"
    assert "cannot build" in caught.value.extra["log_tail"]


def _output(tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "index.html").write_text("<h1>hi</h1>")
    return out


def test_links_in_the_output_are_refused(tmp_path: Path) -> None:
    out = _output(tmp_path)
    os.symlink("/etc/passwd", out / "passwd.txt")
    with pytest.raises(FrontendError, match="is a link"):
        collect_output(out, tmp_path, OutputLimits())


def test_a_linked_output_folder_is_refused(tmp_path: Path) -> None:
    real = _output(tmp_path)
    (tmp_path / "site").symlink_to(real)
    with pytest.raises(FrontendError) as caught:
        collect_output(tmp_path / "site", tmp_path, OutputLimits())
    assert caught.value.code == "frontend_output_missing"


def test_special_files_and_oversized_outputs_are_refused(tmp_path: Path) -> None:
    out = _output(tmp_path)
    os.mkfifo(out / "pipe")
    with pytest.raises(FrontendError, match="not a regular file"):
        collect_output(out, tmp_path, OutputLimits())
    (out / "pipe").unlink()
    with pytest.raises(FrontendError, match="too many or too large"):
        collect_output(out, tmp_path, OutputLimits(max_file_bytes=3))
    with pytest.raises(FrontendError, match="larger than"):
        collect_output(out, tmp_path, OutputLimits(max_total_bytes=3))


def test_an_empty_or_missing_output_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FrontendError) as caught:
        collect_output(tmp_path / "dist", tmp_path, OutputLimits())
    assert caught.value.code == "frontend_output_missing"
    (tmp_path / "dist").mkdir()
    with pytest.raises(FrontendError, match="empty"):
        collect_output(tmp_path / "dist", tmp_path, OutputLimits())
