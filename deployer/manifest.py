"""The repository manifest, ``chainless.toml`` at the repository root (docs/deployer.md).

The platform builds untrusted repositories, so it reads a declarative file instead of running a
script to learn what to build: TOML (read by the standard library's ``tomllib``), checked by
pydantic, and then checked against the fetched tree so a typo fails before any build starts.
Every rejection is a 422 with a stable code and, for schema errors, the path of each bad field.
Spec §2.4.1 asks for complete documentation in the repository, so a README is required too.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chainless.platform.apps.semver import InvalidVersion, Version
from chainless.platform.core.errors import Unprocessable

MANIFEST_NAME = "chainless.toml"
MANIFEST_VERSION = 1
MAX_MANIFEST_BYTES = 64 * 1024
MAX_CONTRACTS = 32
MAX_CONSTRUCTOR_ARGS = 32
README_NAMES = ("README.md", "README", "README.rst", "README.txt", "README.markdown")
LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")

_CONTRACT_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]{0,63}$")
_APP_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


class ManifestError(Unprocessable):
    """The manifest is missing, unreadable or wrong; ``code`` says which, ``errors`` where."""

    code = "invalid_manifest"
    title = "Invalid repository manifest"


def _relative_path(value: str, field_name: str) -> str:
    """A POSIX path inside the repository: relative, no ``..``, no backslash, normalised."""
    if not value or "\\" in value or "\x00" in value:
        raise ValueError(f"{field_name} must be a relative POSIX path")
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"{field_name} must stay inside the repository (no leading / or ..)")
    return path.as_posix()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AppSection(_Strict):
    name: str = Field(description="The mini-program's display name")
    version: str = Field(description="Semantic version 2.0 of this release, e.g. 1.4.0")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _APP_NAME.match(value):
            raise ValueError("name must be 1-64 printable characters")
        return value

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        try:
            Version.parse(value)
        except InvalidVersion as exc:
            raise ValueError(str(exc)) from None
        if len(value) > 16:
            raise ValueError("version must be at most 16 characters")
        return value


class FrontendSection(_Strict):
    """``npm ci`` (the platform's command) then ``build`` run in ``root``; ``output`` is served."""

    root: str = "."
    build: str = Field(default="npm run build", description="Run without a shell, split like sh")
    output: str = "dist"

    @field_validator("root", "output")
    @classmethod
    def _inside(cls, value: str, info: Any) -> str:
        return _relative_path(value, info.field_name)

    @field_validator("build")
    @classmethod
    def _command(cls, value: str) -> str:
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"build is not a valid command line: {exc}") from None
        if not argv or len(value) > 1024:
            raise ValueError("build must be a command line of at most 1024 characters")
        return value

    @property
    def build_argv(self) -> list[str]:
        return shlex.split(self.build)

    @property
    def output_path(self) -> str:
        return (PurePosixPath(self.root) / self.output).as_posix()


class ContractRef(_Strict):
    """A constructor argument naming the address of a contract deployed earlier in this release."""

    contract: str


Scalar = bool | int | str
ConstructorArg = Scalar | ContractRef | list[Scalar]
_ARG_HELP = 'a string, an integer, a boolean, an array of those, or { contract = "Name" }'


def _scalar(value: Any) -> bool:
    return isinstance(value, bool | int | str)


def _constructor_arg(index: int, value: Any) -> ConstructorArg:
    """One argument as TOML gave it; floats and tables other than a contract reference are out."""
    if _scalar(value):
        return value
    if isinstance(value, list) and all(_scalar(item) for item in value):
        return value
    if isinstance(value, dict | ContractRef):
        try:
            return ContractRef.model_validate(value)
        except ValidationError:
            pass
    raise ValueError(f"argument {index} ({value!r}) must be {_ARG_HELP}")


class ContractSpec(_Strict):
    name: str = Field(description="The contract's name in its source file")
    source: str = Field(description="The .sol file declaring it, relative to the repository root")
    constructor_args: list[Any] = Field(default_factory=list, description=_ARG_HELP)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _CONTRACT_NAME.match(value):
            raise ValueError("name must be a Solidity identifier")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        value = _relative_path(value, "source")
        if not value.endswith(".sol"):
            raise ValueError("source must be a .sol file")
        return value

    @field_validator("constructor_args")
    @classmethod
    def _few_args(cls, value: list[Any]) -> list[Any]:
        if len(value) > MAX_CONSTRUCTOR_ARGS:
            raise ValueError(f"at most {MAX_CONSTRUCTOR_ARGS} constructor arguments")
        return [_constructor_arg(index, arg) for index, arg in enumerate(value)]


ENVIRONMENT_ORDER = ("dev", "test", "prod")


class DeploySection(_Strict):
    """``environment`` is the furthest environment this version is meant for (dev < test < prod).

    Deploying a version further than its manifest says is refused, so reaching production takes
    a deliberate, reviewed change in the repository, not just a request.
    """

    environment: Literal["dev", "test", "prod"] = "dev"

    def allows(self, environment: str) -> bool:
        return ENVIRONMENT_ORDER.index(environment) <= ENVIRONMENT_ORDER.index(self.environment)


class Manifest(_Strict):
    manifest_version: Literal[1] = Field(description="The format version; only 1 exists")
    app: AppSection
    frontend: FrontendSection | None = None
    contracts: list[ContractSpec] = Field(default_factory=list)
    deploy: DeploySection = Field(default_factory=DeploySection)

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        if self.frontend is None and not self.contracts:
            raise ValueError("a manifest declares a [frontend], [[contracts]] or both")
        if len(self.contracts) > MAX_CONTRACTS:
            raise ValueError(f"at most {MAX_CONTRACTS} contracts")
        seen: set[str] = set()
        for index, contract in enumerate(self.contracts):
            if contract.name in seen:
                raise ValueError(f"contracts[{index}]: {contract.name} is declared twice")
            for arg in contract.constructor_args:
                if isinstance(arg, ContractRef) and arg.contract not in seen:
                    raise ValueError(
                        f"contracts[{index}]: argument refers to {arg.contract!r}, which is not "
                        "declared before it"
                    )
            seen.add(contract.name)
        return self


def _field_path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(root)"


def _schema_errors(exc: ValidationError) -> list[dict[str, Any]]:
    errors: dict[tuple[str, str], dict[str, Any]] = {}
    for error in exc.errors(include_url=False):
        where = _field_path(tuple(error["loc"]))
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.setdefault((where, message), {"field": where, "message": message})
    return list(errors.values())


def parse_manifest(text: bytes | str) -> Manifest:
    """Parse and validate the manifest's bytes; the tree is checked by :func:`load_manifest`."""
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            f"{MANIFEST_NAME} is larger than {MAX_MANIFEST_BYTES} bytes", code="manifest_too_large"
        )
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ManifestError(f"{MANIFEST_NAME} is not UTF-8", code="manifest_syntax") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{MANIFEST_NAME}: {exc}", code="manifest_syntax") from None
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        errors = _schema_errors(exc)
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise ManifestError(f"{MANIFEST_NAME} is invalid: {summary}", errors=errors) from None


def find_readme(root: Path) -> Path | None:
    """The repository's README at the root (any of the usual names, any letter case)."""
    wanted = {name.lower() for name in README_NAMES}
    for entry in sorted(root.iterdir()):
        usable = entry.is_file() and not entry.is_symlink() and entry.stat().st_size > 0
        if entry.name.lower() in wanted and usable:
            return entry
    return None


def _inside_tree(root: Path, relative: str) -> Path:
    """``root / relative`` resolved, refusing links that lead out of the tree."""
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root.resolve()):
        raise ManifestError(f"{relative} leaves the repository", code="manifest_path_escape")
    return candidate


def check_tree(manifest: Manifest, root: Path) -> None:
    """The paths the manifest names exist in the fetched tree; a frontend has a lockfile."""
    problems: list[dict[str, Any]] = []
    for index, contract in enumerate(manifest.contracts):
        if not _inside_tree(root, contract.source).is_file():
            problems.append(
                {"field": f"contracts[{index}].source", "message": f"{contract.source} not found"}
            )
    if manifest.frontend is not None:
        front = _inside_tree(root, manifest.frontend.root)
        if not (front / "package.json").is_file():
            problems.append(
                {
                    "field": "frontend.root",
                    "message": f"no package.json in {manifest.frontend.root}",
                }
            )
        elif not any((front / name).is_file() for name in LOCKFILES):
            raise ManifestError(
                f"{manifest.frontend.root} has no committed package-lock.json: the platform "
                "installs exactly what the lockfile pins (npm ci)",
                code="lockfile_missing",
            )
    if problems:
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise ManifestError(
            f"{MANIFEST_NAME} names missing files: {summary}",
            code="manifest_path_missing",
            errors=problems,
        )


def load_manifest(root: Path) -> Manifest:
    """Read, validate and check the manifest of a fetched repository tree."""
    if find_readme(root) is None:
        raise ManifestError(
            "the repository has no README at its root; spec §2.4.1 requires the project's "
            "documentation and deployment notes in the repository",
            code="readme_missing",
        )
    path = root / MANIFEST_NAME
    if path.is_symlink() or not path.is_file():
        raise ManifestError(
            f"no {MANIFEST_NAME} at the repository root (see docs/deployer.md)",
            code="manifest_missing",
        )
    with path.open("rb") as handle:
        raw = handle.read(MAX_MANIFEST_BYTES + 1)
    manifest = parse_manifest(raw)
    check_tree(manifest, root)
    return manifest
