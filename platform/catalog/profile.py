"""The app page's security profile and its risk verdict (docs/catalog.md).

Everything here is read from the features that own it, in production (``prod``): the latest
audit certificate (apps), the live release and its signed manifest and the deployed contracts
with their static analysis (deployer), the developer's qualification (qualifications), the
approved scopes (core scopes). Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chainless.deployer.contracts.deployed import deployed_of_app
from chainless.deployer.models import ContractBuild, DeployedContract, Release
from chainless.deployer.releases import keys as release_keys
from chainless.deployer.releases import repository as releases
from chainless.platform.apps import repository as apps
from chainless.platform.catalog.schemas import (
    ManifestOut,
    ProfileCertificateOut,
    ProfileContractOut,
    RiskOut,
    ScopeOut,
    SecurityProfileOut,
    StaticAnalysisOut,
)
from chainless.platform.core.clock import utcnow
from chainless.platform.core.scopes import SCOPES
from chainless.platform.core.services import Services
from chainless.platform.models import AppStatus, MiniProgram
from chainless.platform.qualifications.service import status_of

LIVE = "prod"
MAX_CONTRACTS = 50
HIGH_RISK_SCOPES = frozenset({"transaction:sign", "assets:transfer"})
RATINGS = "ABCDE"
RATING_THRESHOLD = "C"  # D and E (one or more high-impact findings) warn
RECENT_CHANGE = timedelta(days=7)


def _certificate(session: Session, app: MiniProgram) -> ProfileCertificateOut | None:
    found = apps.latest_certificate(session, app.app_id)
    if found is None:
        return None
    return ProfileCertificateOut(
        auditor=found.issuer,
        issued_on=found.issued_on,
        sha256=found.sha256,
        filename=found.filename,
        scope=None,
        uploaded_at=found.uploaded_at,
    )


def _verification(row: DeployedContract) -> str:
    if row.source_verified is None:
        return "unknown"
    return "verified" if row.source_verified else "unverified"


def _contracts(session: Session, app: MiniProgram) -> list[DeployedContract]:
    return list(deployed_of_app(session, app, LIVE, MAX_CONTRACTS))


def _static_analysis(session: Session, rows: list[DeployedContract]) -> StaticAnalysisOut:
    tool, worst, findings = None, None, Counter[str]()
    for build_hash in dict.fromkeys(row.build for row in rows):
        build = session.get(ContractBuild, build_hash)
        if build is None or build.audit_rating is None:
            continue
        tool = build.audit_tool
        if worst is None or RATINGS.index(build.audit_rating) > RATINGS.index(worst):
            worst = build.audit_rating
        findings.update(str(f.get("impact", "Unknown")) for f in build.audit_findings or [])
    return StaticAnalysisOut(tool=tool, rating=worst, findings=dict(findings))


def _release(services: Services, session: Session, app: MiniProgram) -> ManifestOut | None:
    channel = releases.channel(session, app.app_id, LIVE)
    release = releases.release_by_id(session, channel.current_release_id if channel else None)
    if release is None:
        return None
    base = services.settings.public_url
    return ManifestOut(
        version=release.version,
        commit_sha=release.commit_sha,
        content_hash=release.bundle_hash,
        key_id=release.manifest_kid,
        signature=_signature(services, release),
        manifest_url=base + release_keys.manifest_path(release.manifest_key),
        released_at=release.created_at,
    )


def _signature(services: Services, release: Release) -> str | None:
    try:
        token = services.storage.get(release.manifest_key).decode().strip()
    except (OSError, KeyError, ValueError):
        return None
    parts = token.split(".")
    return parts[2] if len(parts) == 3 else None


def _scopes(app: MiniProgram) -> list[ScopeOut]:
    names = app.approved_scopes or app.requested_scopes
    return [
        ScopeOut(
            scope=name,
            description=SCOPES[name].description if name in SCOPES else name,
            high_risk=name in HIGH_RISK_SCOPES,
        )
        for name in names
    ]


def security_profile(services: Services, session: Session, app: MiniProgram) -> SecurityProfileOut:
    rows = _contracts(session, app)
    return SecurityProfileOut(
        certificate=_certificate(session, app),
        repository_url=app.repo_url,
        contracts=[
            ProfileContractOut(
                chain_id=row.chain_id,
                environment=row.environment,
                name=row.name,
                address=row.address or "",
                verification=_verification(row),
                deployed_at=row.deployed_at,
                audit_rating=row.audit_rating,
            )
            for row in rows
        ],
        static_analysis=_static_analysis(session, rows),
        release=_release(services, session, app),
        developer_qualified=status_of(session, app.developer_id) == "approved",
        scopes=_scopes(app),
        gas_sponsored=app.payment_service,
    )


def _changed_recently(session: Session, app: MiniProgram, profile: SecurityProfileOut) -> bool:
    since = utcnow() - RECENT_CHANGE
    deployed: list[datetime] = [c.deployed_at for c in profile.contracts if c.deployed_at]
    configured = [c.created_at for c in apps.contracts_of(session, app.app_id, LIVE)]
    return any(at >= since for at in [*deployed, *configured])


def risk(session: Session, app: MiniProgram, profile: SecurityProfileOut) -> RiskOut:
    """``block`` for a delisted app; ``warn`` with every reason that applies; else ``none``."""
    reasons = []
    if profile.certificate is None:
        reasons.append("no_third_party_audit")
    rating = profile.static_analysis.rating
    if rating is not None and RATINGS.index(rating) > RATINGS.index(RATING_THRESHOLD):
        reasons.append("static_analysis_below_threshold")
    if any(c.verification != "verified" for c in profile.contracts):
        reasons.append("contract_not_verified")
    if _changed_recently(session, app, profile):
        reasons.append("contracts_changed_recently")
    if any(s.high_risk for s in profile.scopes):
        reasons.append("high_risk_scopes")
    if app.status == AppStatus.DELISTED:
        reasons.append("delisted")
        return RiskOut(level="block", reasons=reasons)
    return RiskOut(level="warn" if reasons else "none", reasons=reasons)
