"""The compile stage: solc-js through py-solc-x, artifacts kept, builds cached by content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import solcx

from chainless.platform.core.services import Services
from tests.conftest import RecordingJobRunner
from tests.deployer.contracts.support import app_with_repo, deploy, stage_event
from tests.deployer.fixture_repo import GREETER, MANIFEST, commit_change
from tests.factories import Factory

pytestmark = pytest.mark.slow  # solc-js, slither and anvil run


def test_contracts_are_compiled_and_their_artifacts_kept(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Services
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    deployment = deploy(factory, jobs, app_id, developer)
    assert deployment["status"] == "succeeded", deployment["error_detail"]
    stages = [e["stage"] for e in deployment["events"] if e["status"] == "succeeded"]
    assert stages == [
        "source",
        "compile",
        "audit",
        "contracts",
        "frontend",
        "release",
        "deployment",
    ]
    compiled = deployment["artifacts"]["compile"]
    assert compiled["cached"] is False
    assert compiled["compiler"].startswith("0.8.30+commit.")
    assert compiled["optimizer"] == {"enabled": True, "runs": 200}
    assert compiled["sources"] == ["contracts/Greeter.sol", "contracts/GreeterRegistry.sol"]
    assert set(compiled["contracts"]) == {"Greeter", "GreeterRegistry"}

    storage = services.storage
    standard_input = json.loads(storage.get(compiled["input"]))
    assert standard_input["sources"]["contracts/Greeter.sol"]["content"] == GREETER
    assert standard_input["settings"]["optimizer"] == {"enabled": True, "runs": 200}
    greeter = json.loads(storage.get(compiled["contracts"]["Greeter"]["artifact"]))
    assert {"abi", "bytecode", "deployedBytecode", "metadata"} <= set(greeter)
    assert {item.get("name") for item in greeter["abi"]} >= {"greeting", "greet"}
    assert greeter["bytecode"].startswith("0x6080604052")
    assert json.loads(greeter["metadata"])["settings"]["optimizer"]["runs"] == 200
    assert "compiled with solc" in stage_event(deployment, "compile", "succeeded")["message"]


def test_an_unchanged_source_reuses_the_build_without_running_solc(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    mini_program_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[dict[str, Any]] = []
    real = solcx.compile_standard

    def counting(input_data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        runs.append(input_data)
        return real(input_data, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(solcx, "compile_standard", counting)
    app_id, developer = app_with_repo(factory, hosted, jobs)
    first = deploy(factory, jobs, app_id, developer)
    assert first["status"] == "succeeded", first["error_detail"]
    assert len(runs) == 1

    commit_change(mini_program_repo, "docs/notes.md", "not a contract\n", "Docs only")
    commit_change(mini_program_repo, "chainless.toml", _version("1.0.1"), "Release 1.0.1")
    second = deploy(factory, jobs, app_id, developer)
    assert second["status"] == "succeeded", second["error_detail"]
    assert len(runs) == 1  # solc did not run again
    assert second["commit_sha"] != first["commit_sha"]
    assert second["artifacts"]["compile"]["cached"] is True
    assert second["artifacts"]["compile"]["build"] == first["artifacts"]["compile"]["build"]
    assert second["artifacts"]["audit"]["cached"] is True
    assert "reused the build" in stage_event(second, "compile", "succeeded")["message"]

    commit_change(
        mini_program_repo, "contracts/Greeter.sol", GREETER.replace("next;", "next; // v2"), "v2"
    )
    commit_change(mini_program_repo, "chainless.toml", _version("1.0.2"), "Release 1.0.2")
    third = deploy(factory, jobs, app_id, developer)
    assert len(runs) == 2  # a changed source compiles again
    assert third["artifacts"]["compile"]["build"] != first["artifacts"]["compile"]["build"]


def test_a_compile_error_fails_with_the_compilers_message(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, mini_program_repo: Path
) -> None:
    broken = GREETER.replace("greeting = next;", "greeting = nxt;")
    commit_change(mini_program_repo, "contracts/Greeter.sol", broken, "Typo")
    app_id, developer = app_with_repo(factory, hosted, jobs)
    deployment = deploy(factory, jobs, app_id, developer)
    assert deployment["status"] == "failed"
    assert deployment["error_code"] == "compile_failed"
    assert "Undeclared identifier" in deployment["error_detail"]
    failed = stage_event(deployment, "compile", "failed")
    assert failed["data"]["code"] == "compile_failed"
    assert any("contracts/Greeter.sol" in m and "nxt" in m for m in failed["data"]["messages"]), (
        failed["data"]
    )
    assert "contracts" not in (deployment["artifacts"] or {})  # nothing was deployed


def test_a_missing_import_fails_the_compile_stage(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, mini_program_repo: Path
) -> None:
    importing = GREETER.replace(
        "contract Greeter", 'import {Missing} from "./Missing.sol";\n\ncontract Greeter'
    )
    commit_change(mini_program_repo, "contracts/Greeter.sol", importing, "Import")
    app_id, developer = app_with_repo(factory, hosted, jobs)
    deployment = deploy(factory, jobs, app_id, developer)
    assert deployment["error_code"] == "compile_failed"
    messages = stage_event(deployment, "compile", "failed")["data"]["messages"]
    assert any("Missing.sol" in m for m in messages), messages


TOKEN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Greeter} from "./Greeter.sol";

contract OwnedGreeter is Greeter, Ownable {
    constructor(string memory initial) Greeter(initial) Ownable(msg.sender) {}
}
"""

OWNED_MANIFEST = """manifest_version = 1

[app]
name = "Owned"
version = "1.0.0"

[[contracts]]
name = "OwnedGreeter"
source = "contracts/OwnedGreeter.sol"
constructor_args = ["hi"]
"""


def test_openzeppelin_imports_resolve_from_the_pinned_package(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    mini_program_repo: Path,
    services: Services,
) -> None:
    commit_change(mini_program_repo, "contracts/OwnedGreeter.sol", TOKEN, "Owned")
    commit_change(mini_program_repo, "chainless.toml", OWNED_MANIFEST, "Deploy it")
    app_id, developer = app_with_repo(factory, hosted, jobs)
    deployment = deploy(factory, jobs, app_id, developer)
    assert deployment["status"] == "succeeded", deployment["error_detail"]
    compiled = deployment["artifacts"]["compile"]
    # the repository's sources, followed through its relative import
    assert compiled["sources"] == ["contracts/Greeter.sol", "contracts/OwnedGreeter.sol"]
    # the kept input is self-contained: OpenZeppelin's files under their portable names
    kept = json.loads(services.storage.get(compiled["input"]))["sources"]
    assert "@openzeppelin/contracts/access/Ownable.sol" in kept
    assert (
        "abstract contract Ownable" in kept["@openzeppelin/contracts/access/Ownable.sol"]["content"]
    )
    audit = deployment["artifacts"]["audit"]
    assert not [f for f in audit["findings"] if f["file"].startswith("@openzeppelin/")]
    (owned,) = deployment["artifacts"]["contracts"]["deployed"]
    assert owned["source_verified"] is True


def test_imports_cannot_read_the_platforms_files(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, mini_program_repo: Path
) -> None:
    """solc's import callback reads nothing outside the repository's sources and OpenZeppelin."""
    sneaky = GREETER.replace(
        "contract Greeter", 'import "pyproject.toml";\nimport "/etc/hostname";\n\ncontract Greeter'
    )
    commit_change(mini_program_repo, "contracts/Greeter.sol", sneaky, "Sneaky")
    app_id, developer = app_with_repo(factory, hosted, jobs)
    deployment = deploy(factory, jobs, app_id, developer)
    assert deployment["error_code"] == "compile_failed"
    messages = "\n".join(stage_event(deployment, "compile", "failed")["data"]["messages"])
    assert "build-system" not in messages
    assert "setuptools" not in messages
    assert "not found" in messages.lower() or "outside of allowed" in messages.lower()


def _version(version: str) -> str:
    """The fixture's manifest at another app version (releases only go up)."""
    assert MANIFEST.count('version = "1.0.0"') == 1
    return MANIFEST.replace('version = "1.0.0"', f'version = "{version}"')
