"""The repository manifest: format, precise errors, and checks against the fetched tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainless.deployer.manifest import (
    ContractRef,
    ManifestError,
    load_manifest,
    parse_manifest,
)
from tests.deployer.fixture_repo import MANIFEST, write_mini_program

pytestmark = pytest.mark.portable

MINIMAL = """manifest_version = 1
[app]
name = "Tiny"
version = "0.1.0"
[frontend]
"""


def _error(text: str) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(text)
    return caught.value


def test_the_fixture_manifest_reads_back() -> None:
    manifest = parse_manifest(MANIFEST)
    assert manifest.app.name == "Greeter"
    assert manifest.app.version == "1.0.0"
    assert manifest.frontend is not None
    assert manifest.frontend.build_argv == ["npm", "run", "build"]
    assert manifest.frontend.output_path == "frontend/dist"
    assert [c.name for c in manifest.contracts] == ["Greeter", "GreeterRegistry"]
    assert manifest.contracts[1].constructor_args == [ContractRef(contract="Greeter"), 3]
    assert manifest.deploy.environment == "dev"


def test_defaults_fill_a_minimal_frontend() -> None:
    manifest = parse_manifest(MINIMAL)
    assert manifest.frontend is not None
    assert (manifest.frontend.root, manifest.frontend.output) == (".", "dist")
    assert manifest.contracts == []


def test_syntax_errors_name_the_line() -> None:
    error = _error("manifest_version = 1\n[app\n")
    assert error.code == "manifest_syntax"
    assert error.status == 422
    assert "line 2" in error.detail


def test_unknown_keys_and_wrong_types_are_listed_by_field() -> None:
    error = _error(MINIMAL + 'colour = "red"\n[deploy]\nenvironment = "staging"\n')
    assert error.code == "invalid_manifest"
    fields = {e["field"] for e in error.extra["errors"]}
    assert fields == {"frontend.colour", "deploy.environment"}


@pytest.mark.parametrize(
    ("patch", "field", "words"),
    [
        (('version = "0.1.0"', 'version = "1.0"'), "app.version", "semver"),
        (("manifest_version = 1", "manifest_version = 2"), "manifest_version", "1"),
        (("[frontend]", '[frontend]\noutput = "../site"'), "frontend.output", "inside"),
        (("[frontend]", '[frontend]\nroot = "/srv"'), "frontend.root", "inside"),
        (("[frontend]", '[frontend]\nbuild = "npm \'run"'), "frontend.build", "command line"),
    ],
)
def test_each_rule_has_a_precise_message(patch: tuple[str, str], field: str, words: str) -> None:
    error = _error(MINIMAL.replace(*patch))
    assert error.extra["errors"][0]["field"] == field
    assert words in error.extra["errors"][0]["message"]


def test_constructor_arguments_accept_abi_friendly_values_only() -> None:
    text = MANIFEST.replace('constructor_args = ["hello"]', 'constructor_args = ["hello", 1.5]')
    error = _error(text)
    assert error.extra["errors"] == [
        {
            "field": "contracts[0].constructor_args",
            "message": "argument 1 (1.5) must be a string, an integer, a boolean, an array of "
            'those, or { contract = "Name" }',
        }
    ]


def test_a_contract_reference_must_point_backwards() -> None:
    text = MANIFEST.replace(
        'constructor_args = ["hello"]', 'constructor_args = [{ contract = "GreeterRegistry" }]'
    )
    assert "not declared before it" in _error(text).detail


def test_duplicate_contracts_and_empty_manifests_are_refused() -> None:
    double = MANIFEST + '\n[[contracts]]\nname = "Greeter"\nsource = "contracts/Greeter.sol"\n'
    assert "declared twice" in _error(double).detail
    assert "[frontend], [[contracts]] or both" in _error(MINIMAL.replace("[frontend]\n", "")).detail


def test_a_contract_source_is_a_solidity_file() -> None:
    error = _error(MANIFEST.replace("contracts/Greeter.sol", "contracts/Greeter.txt", 1))
    assert error.extra["errors"][0] == {
        "field": "contracts[0].source",
        "message": "source must be a .sol file",
    }


def test_huge_manifests_are_refused_before_parsing() -> None:
    assert _error("#" * 70_000).code == "manifest_too_large"


def test_the_tree_check_accepts_the_fixture(tmp_path: Path) -> None:
    manifest = load_manifest(write_mini_program(tmp_path))
    assert manifest.app.name == "Greeter"


def test_a_readme_is_required(tmp_path: Path) -> None:
    write_mini_program(tmp_path)
    (tmp_path / "README.md").unlink()
    with pytest.raises(ManifestError) as caught:
        load_manifest(tmp_path)
    assert caught.value.code == "readme_missing"
    (tmp_path / "readme.rst").write_text("Greeter\n=======\n")
    load_manifest(tmp_path)  # any usual name, any case


def test_a_missing_manifest_says_where_the_format_is(tmp_path: Path) -> None:
    write_mini_program(tmp_path)
    (tmp_path / "chainless.toml").unlink()
    with pytest.raises(ManifestError) as caught:
        load_manifest(tmp_path)
    assert caught.value.code == "manifest_missing"
    assert "docs/deployer.md" in caught.value.detail


def test_named_files_must_exist(tmp_path: Path) -> None:
    write_mini_program(tmp_path)
    (tmp_path / "contracts" / "GreeterRegistry.sol").unlink()
    with pytest.raises(ManifestError) as caught:
        load_manifest(tmp_path)
    assert caught.value.code == "manifest_path_missing"
    assert caught.value.extra["errors"] == [
        {"field": "contracts[1].source", "message": "contracts/GreeterRegistry.sol not found"}
    ]


def test_a_frontend_needs_a_committed_lockfile(tmp_path: Path) -> None:
    write_mini_program(tmp_path)
    (tmp_path / "frontend" / "package-lock.json").unlink()
    with pytest.raises(ManifestError) as caught:
        load_manifest(tmp_path)
    assert caught.value.code == "lockfile_missing"


def test_paths_through_links_out_of_the_tree_are_refused(tmp_path: Path) -> None:
    repo = write_mini_program(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Evil.sol").write_text("contract Evil {}\n")
    (repo / "contracts" / "escape").symlink_to(outside)
    text = MANIFEST.replace("contracts/GreeterRegistry.sol", "contracts/escape/Evil.sol")
    (repo / "chainless.toml").write_text(text)
    with pytest.raises(ManifestError) as caught:
        load_manifest(repo)
    assert caught.value.code == "manifest_path_escape"


def test_the_target_environment_bounds_where_a_version_may_go() -> None:
    assert parse_manifest(MINIMAL).deploy.environment == "dev"
    dev = parse_manifest(MINIMAL).deploy
    assert dev.allows("dev")
    assert not dev.allows("test")
    prod = parse_manifest(MINIMAL + '[deploy]\nenvironment = "prod"\n').deploy
    assert all(prod.allows(env) for env in ("dev", "test", "prod"))
