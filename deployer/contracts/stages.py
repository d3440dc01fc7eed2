"""The pipeline's ``compile`` and ``audit`` stages (docs/deployer.md); ``contracts`` is in
``deploy_stage.py``.

Each stage reads what the one before recorded on the deployment (``artifacts.compile``,
``artifacts.audit``) and the build cached by content hash, so a retried stage starts over from
its inputs and an unchanged source is neither compiled nor audited twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chainless.deployer.contracts import audit, builds, store
from chainless.deployer.contracts.compiler import (
    CompileFailed,
    contracts_of,
    run_solc,
    self_contained,
    toolchain_errors,
)
from chainless.deployer.contracts.sources import (
    collect_sources,
    compiler_settings,
    content_hash,
    standard_input,
)
from chainless.deployer.manifest import Manifest
from chainless.deployer.models import ContractBuild
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import Unprocessable
from chainless.platform.toolchain import (
    OPENZEPPELIN_PACKAGE,
    SETUP_FIX,
    ToolchainMissing,
    installed_version,
    solc_long_version,
)

if TYPE_CHECKING:
    from chainless.deployer.deployments.pipeline import StageContext

PROTECTED_ENVIRONMENT = "prod"


class AuditBlocked(Unprocessable):
    code = "audit_blocked"
    title = "High-impact audit findings block production"


def _manifest(context: StageContext) -> Manifest:
    return Manifest.model_validate(context.deployment.manifest)


def _artifacts(context: StageContext) -> dict[str, Any]:
    return dict(context.deployment.artifacts or {})


def _record(context: StageContext, key: str, value: object) -> None:
    """Assign a new dict: the JSON column notices only a new value, not a changed one."""
    context.deployment.artifacts = {**_artifacts(context), key: value}


def _toolchain_versions() -> tuple[str, str]:
    """solc's long version and OpenZeppelin's; a missing or broken one fails the stage at once."""
    with toolchain_errors():
        openzeppelin = installed_version(OPENZEPPELIN_PACKAGE)
        if openzeppelin is None:
            raise ToolchainMissing(OPENZEPPELIN_PACKAGE, SETUP_FIX, "not in the toolchain")
        return solc_long_version(), openzeppelin


def compile_stage(context: StageContext) -> str:
    """Compile the manifest's contracts, or reuse the build of the same standard-JSON input."""
    from chainless.deployer.deployments.pipeline import fetched  # the pipeline imports this module

    manifest = _manifest(context)
    if not manifest.contracts:
        return "no contracts in the manifest"
    with fetched(context) as tree:
        input_json = standard_input(collect_sources(tree.root, manifest.contracts))
    version, openzeppelin = _toolchain_versions()
    key = content_hash(input_json, version, f"openzeppelin={openzeppelin}")
    session, storage = context.session, context.services.storage
    build = builds.build(session, key)
    cached = build is not None and all(s.name in build.contracts for s in manifest.contracts)
    if not cached:
        output = run_solc(input_json)
        outputs = contracts_of(output, manifest.contracts)
        stored = store.store_build(storage, key, self_contained(input_json, output), outputs)
        if build is None:
            build = builds.add_build(
                session,
                ContractBuild(
                    content_hash=key,
                    compiler_version=version,
                    input_key=store.input_key(key),
                    contracts=stored,
                ),
            )
        else:
            build.contracts = {**build.contracts, **stored}
    assert build is not None
    settings = compiler_settings()
    _record(
        context,
        "compile",
        {
            "build": key,
            "compiler": version,
            "optimizer": settings["optimizer"],
            "evm_version": settings["evmVersion"],
            "cached": cached,
            "input": build.input_key,
            "sources": sorted(input_json["sources"]),
            "contracts": {s.name: build.contracts[s.name] for s in manifest.contracts},
        },
    )
    how = "reused the build of the same sources" if cached else f"compiled with solc {version}"
    return f"{len(manifest.contracts)} contracts, build {key[:12]}: {how}"


def _summary(findings: list[dict[str, Any]]) -> str:
    counts = [
        f"{sum(f['impact'] == impact for f in findings)} {impact.lower()}"
        for impact in audit.IMPACTS
        if any(f["impact"] == impact for f in findings)
    ]
    return ", ".join(counts) or "no findings"


def audit_stage(context: StageContext) -> str:
    """slither on the build (cached with it); high findings block ``prod`` unless overridden."""
    compiled = _artifacts(context).get("compile")
    if not compiled:
        return "no contracts to audit"
    session, deployment = context.session, context.deployment
    build = builds.build(session, compiled["build"])
    if build is None:
        raise CompileFailed("the build of this deployment is gone; deploy again")
    cached = build.audit_findings is not None and build.audit_tool == audit.tool()
    if not cached:
        findings = audit.analyse(
            store.load_input(context.services.storage, build.content_hash),
            [s.source for s in _manifest(context).contracts],
        )
        build.audit_findings, build.audit_rating = findings, audit.rating(findings)
        build.audit_tool, build.audited_at = audit.tool(), utcnow()
    findings = list(build.audit_findings or [])
    high = audit.blocking(findings)
    override = builds.override_of(session, deployment.id)
    _record(
        context,
        "audit",
        {
            "tool": build.audit_tool,
            "rating": build.audit_rating,
            "cached": cached,
            "findings": findings,
            "blocking": len(high),
            "override": None
            if override is None
            else {
                "by": override.operator_id,
                "reason": override.reason,
                "at": override.created_at.isoformat(),
            },
        },
    )
    message = f"rating {build.audit_rating}: {_summary(findings)}"
    if high and deployment.environment == PROTECTED_ENVIRONMENT:
        if override is None:
            checks = ", ".join(sorted({f["check"] for f in high}))
            raise AuditBlocked(
                f"{message}; high-impact findings ({checks}) block production until they are "
                "fixed or a platform operator overrides",
                rating=build.audit_rating,
                findings=[
                    {"check": f["check"], "file": f["file"], "lines": f["lines"]} for f in high
                ],
            )
        message += f"; production allowed by operator override: {override.reason}"
    return message
