"""An app's configuration over HTTP: contracts, interface keys, deploy, payment, certificate."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from chainless.platform.models import AuditCertificate
from tests.factories import Actor, Factory
from tests.platform.test_apps_support import (
    ERC20_TRANSFER_ABI,
    TRANSFER_SELECTOR,
    app_url,
    assert_problem,
    audit_events,
    create_app,
    set_app,
    stored_app,
)

pytestmark = pytest.mark.portable

LOWER = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
CHECKSUMMED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
BAD_CHECKSUM = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def developer(factory: Factory) -> Actor:
    return factory.developer()


@pytest.fixture
def app_id(client: Any, developer: Actor) -> str:
    return str(create_app(client, developer)["app_id"])


def contract_url(app_id: str, address: str = LOWER, environment: str = "prod") -> str:
    return app_url(app_id, f"/contracts/{environment}/{address}")


# --- contracts -------------------------------------------------------------------------------


def test_contract_address_is_normalised_and_the_put_is_idempotent(
    client: Any, developer: Actor, app_id: str, services: Services
) -> None:
    body = {"name": "Token", "abi": ERC20_TRANSFER_ABI, "method_allowlist": ["0xA9059CBB"]}
    created = client.put(contract_url(app_id), json=body, headers=developer.headers)
    assert created.status_code == 201, created.text
    assert created.json()["address"] == CHECKSUMMED
    assert created.json()["method_allowlist"] == [TRANSFER_SELECTOR]

    again = client.put(
        contract_url(app_id, CHECKSUMMED),
        json=body | {"name": "Token v2"},
        headers=developer.headers,
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] == created.json()["id"]
    listed = client.get(app_url(app_id, "/contracts"), headers=developer.headers).json()
    assert [(c["address"], c["name"]) for c in listed] == [(CHECKSUMMED, "Token v2")]
    detail = client.get(app_url(app_id), headers=developer.headers).json()
    assert detail["contracts"][0]["abi"] == ERC20_TRANSFER_ABI

    # the same address in another environment is another contract
    dev = client.put(contract_url(app_id, environment="dev"), json=body, headers=developer.headers)
    assert dev.status_code == 201
    only_prod = client.get(
        app_url(app_id, "/contracts"), params={"environment": "prod"}, headers=developer.headers
    )
    assert len(only_prod.json()) == 1
    assert [
        e.action for e in audit_events(services, app_id) if e.action.startswith("app.contract")
    ] == [
        "app.contract_added",
        "app.contract_updated",
        "app.contract_added",
    ]


def test_contract_read_and_delete(
    client: Any, developer: Actor, app_id: str, services: Services
) -> None:
    client.put(contract_url(app_id), json={"name": "Token", "abi": []}, headers=developer.headers)
    fetched = client.get(contract_url(app_id, CHECKSUMMED), headers=developer.headers)
    assert fetched.status_code == 200
    assert client.delete(contract_url(app_id), headers=developer.headers).status_code == 204
    assert_problem(
        client.get(contract_url(app_id), headers=developer.headers), 404, "contract_not_found"
    )
    assert_problem(
        client.delete(contract_url(app_id), headers=developer.headers), 404, "contract_not_found"
    )
    assert len(audit_events(services, app_id, "app.contract_removed")) == 1


@pytest.mark.parametrize(
    "address",
    [
        BAD_CHECKSUM,
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
        "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "0x" + "g" * 40,
        "0x" + "0" * 40,
    ],
)
def test_bad_addresses_are_refused(
    client: Any, developer: Actor, app_id: str, address: str
) -> None:
    response = client.put(
        contract_url(app_id, address), json={"name": "Token", "abi": []}, headers=developer.headers
    )
    assert_problem(response, 422, "invalid_address")
    assert client.get(app_url(app_id, "/contracts"), headers=developer.headers).json() == []


def test_all_upper_case_address_counts_as_unchecksummed(
    client: Any, developer: Actor, app_id: str
) -> None:
    upper = "0x" + LOWER[2:].upper()
    response = client.put(
        contract_url(app_id, upper), json={"name": "Token", "abi": []}, headers=developer.headers
    )
    assert response.status_code == 201
    assert response.json()["address"] == CHECKSUMMED


@pytest.mark.parametrize(
    ("abi", "code"),
    [
        ({"type": "function"}, "validation_error"),
        ("[]", "validation_error"),
        (["transfer(address,uint256)"], "invalid_abi"),
        ([{"type": "method", "name": "f"}], "invalid_abi"),
        ([{"type": "function", "inputs": []}], "invalid_abi"),
        (
            [{"type": "function", "name": "f", "inputs": [{"name": "x", "type": "uint7"}]}],
            "invalid_abi",
        ),
        (
            [{"type": "function", "name": "f", "inputs": [{"name": "x", "type": "banana"}]}],
            "invalid_abi",
        ),
        ([{"type": "function", "name": "f", "inputs": [{"name": "x"}]}], "invalid_abi"),
        ([{"type": "function", "name": "f", "inputs": [{"type": "tuple"}]}], "invalid_abi"),
        ([{"type": "function", "name": "f", "inputs": {"x": "uint256"}}], "invalid_abi"),
        ([{"type": "function", "name": "f", "stateMutability": "constant"}], "invalid_abi"),
        ([{"type": "event", "inputs": []}], "invalid_abi"),
    ],
)
def test_bad_abis_are_refused(
    client: Any, developer: Actor, app_id: str, abi: Any, code: str
) -> None:
    response = client.put(
        contract_url(app_id), json={"name": "Token", "abi": abi}, headers=developer.headers
    )
    assert_problem(response, 422, code)


def test_abi_with_tuples_and_every_entry_kind_is_accepted(
    client: Any, developer: Actor, app_id: str
) -> None:
    abi = [
        {"type": "constructor", "inputs": [{"name": "owner", "type": "address"}]},
        {"type": "receive", "stateMutability": "payable"},
        {"type": "fallback"},
        {"type": "error", "name": "Denied", "inputs": []},
        {"name": "implicitFunction", "inputs": []},
        {
            "type": "function",
            "name": "swap",
            "inputs": [
                {
                    "name": "legs",
                    "type": "tuple[]",
                    "components": [
                        {"name": "token", "type": "address"},
                        {"name": "amount", "type": "uint256"},
                    ],
                }
            ],
        },
    ]
    response = client.put(
        contract_url(app_id), json={"name": "Router", "abi": abi}, headers=developer.headers
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("allowlist", "code"),
    [
        (["a9059cbb"], "invalid_selector"),
        (["0xa9059cb"], "invalid_selector"),
        (["0xa9059cbz"], "invalid_selector"),
        (["0xdeadbeef"], "unknown_selector"),
    ],
)
def test_bad_method_allowlists_are_refused(
    client: Any, developer: Actor, app_id: str, allowlist: list[str], code: str
) -> None:
    body = {"name": "Token", "abi": ERC20_TRANSFER_ABI, "method_allowlist": allowlist}
    assert_problem(
        client.put(contract_url(app_id), json=body, headers=developer.headers), 422, code
    )


def test_unknown_environment_is_refused(client: Any, developer: Actor, app_id: str) -> None:
    response = client.put(
        contract_url(app_id, environment="staging"),
        json={"name": "T", "abi": []},
        headers=developer.headers,
    )
    assert_problem(response, 422, "validation_error")


# --- interface keys --------------------------------------------------------------------------


@cache
def private_key(kind: str) -> PrivateKeyTypes:
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (refused)
    return ed25519.Ed25519PrivateKey.generate()


def public_pem(kind: str) -> str:
    return (
        private_key(kind)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def certificate_pem(kind: str, *, expired: bool = False) -> str:
    key = private_key(kind)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "app.example.com")])
    now = datetime.now(UTC)
    not_after = now - timedelta(days=1) if expired else now + timedelta(days=365)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(not_after)
    )
    algorithm = None if kind == "ed25519" else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.PEM).decode()  # type: ignore[arg-type]


def interface(client: Any, actor: Actor, app_id: str, **body: Any) -> Any:
    return client.put(app_url(app_id, "/interface"), json=body, headers=actor.headers)


@pytest.mark.parametrize(
    ("algorithm", "kind"), [("ES256", "p256"), ("RS256", "rsa2048"), ("EdDSA", "ed25519")]
)
def test_matching_public_keys_are_accepted(
    client: Any, developer: Actor, app_id: str, services: Services, algorithm: str, kind: str
) -> None:
    response = interface(
        client,
        developer,
        app_id,
        signature_algorithm=algorithm,
        public_key_pem=public_pem(kind),
        encryption_algorithm="AES-256-GCM",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["signature_algorithm"] == algorithm
    assert body["encryption_algorithm"] == "AES-256-GCM"
    assert body["public_key_pem"] == public_pem(kind)
    der = serialization.load_pem_public_key(public_pem(kind).encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert body["key_fingerprint_sha256"] == hashlib.sha256(der).hexdigest()
    assert client.get(app_url(app_id, "/interface"), headers=developer.headers).json() == body
    (event,) = audit_events(services, app_id, "app.interface_updated")
    assert event.changes["signature_algorithm"] == [None, algorithm]


def test_a_certificate_carries_the_key(client: Any, developer: Actor, app_id: str) -> None:
    response = interface(
        client,
        developer,
        app_id,
        signature_algorithm="ES256",
        certificate_pem=certificate_pem("p256"),
        public_key_pem=public_pem("p256"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["public_key_pem"] == public_pem("p256")
    assert body["certificate_subject"] == "CN=app.example.com"
    assert body["certificate_not_after"] is not None
    assert body["encryption_algorithm"] == "none"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"signature_algorithm": "ES256", "public_key_pem": public_pem("p384")},
            "invalid_public_key",
        ),
        (
            {"signature_algorithm": "ES256", "public_key_pem": public_pem("rsa2048")},
            "invalid_public_key",
        ),
        (
            {"signature_algorithm": "RS256", "public_key_pem": public_pem("rsa1024")},
            "invalid_public_key",
        ),
        (
            {"signature_algorithm": "RS256", "public_key_pem": public_pem("p256")},
            "invalid_public_key",
        ),
        (
            {"signature_algorithm": "EdDSA", "public_key_pem": public_pem("p256")},
            "invalid_public_key",
        ),
        ({"signature_algorithm": "ES256", "public_key_pem": "not a key"}, "invalid_public_key"),
        ({"signature_algorithm": "ES256"}, "invalid_public_key"),
        (
            {
                "signature_algorithm": "ES256",
                "certificate_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            },
            "invalid_public_key",
        ),
        (
            {
                "signature_algorithm": "ES256",
                "certificate_pem": certificate_pem("p256"),
                "public_key_pem": public_pem("ed25519"),
            },
            "invalid_public_key",
        ),
        (
            {"signature_algorithm": "RS256", "certificate_pem": certificate_pem("p256")},
            "invalid_public_key",
        ),
        (
            {
                "signature_algorithm": "ES256",
                "certificate_pem": certificate_pem("p256", expired=True),
            },
            "certificate_expired",
        ),
        (
            {"signature_algorithm": "HS256", "public_key_pem": public_pem("p256")},
            "validation_error",
        ),
        (
            {
                "signature_algorithm": "ES256",
                "public_key_pem": public_pem("p256"),
                "encryption_algorithm": "DES",
            },
            "validation_error",
        ),
    ],
)
def test_keys_that_do_not_fit_are_refused(
    client: Any, developer: Actor, app_id: str, services: Services, body: dict[str, Any], code: str
) -> None:
    assert_problem(interface(client, developer, app_id, **body), 422, code)
    assert stored_app(services, app_id).signature_algorithm is None


def test_interface_can_be_set_when_creating_the_app(client: Any, developer: Actor) -> None:
    created = create_app(
        client, developer, signature_algorithm="EdDSA", public_key_pem=public_pem("ed25519")
    )
    assert created["interface"]["signature_algorithm"] == "EdDSA"
    assert created["interface"]["encryption_algorithm"] == "none"
    refused = client.post(
        "/api/v1/apps",
        json={"name": "x", "public_key_pem": public_pem("ed25519")},
        headers=developer.headers,
    )
    assert_problem(refused, 422, "invalid_public_key")


# --- deploy ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/token-swap",
        "https://github.com/acme/token.swap.git",
        "https://GitHub.com/Acme-Labs/Swap_2",
    ],
)
def test_public_repositories_are_accepted(
    client: Any, developer: Actor, app_id: str, services: Services, url: str
) -> None:
    response = client.put(
        app_url(app_id, "/deploy"),
        json={"repo_url": url, "repo_branch": "release/v1.2"},
        headers=developer.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"repo_url": url, "repo_branch": "release/v1.2"}
    assert (
        client.get(app_url(app_id, "/deploy"), headers=developer.headers).json() == response.json()
    )
    assert len(audit_events(services, app_id, "app.deploy_updated")) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://github.com/acme/swap",
        "https://gitlab.com/acme/swap",
        "https://github.com.evil.com/acme/swap",
        "https://github.com/acme",
        "https://github.com/acme/swap/tree/main",
        "https://github.com/acme/swap/",
        "https://token@github.com/acme/swap",
        "https://github.com:8443/acme/swap",
        "https://github.com/acme/swap?ref=x",
        "https://github.com/acme/swap#main",
        "https://github.com/-acme/swap",
        "https://github.com/acme/..",
        "git@github.com:acme/swap.git",
    ],
)
def test_bad_repository_urls_are_refused(
    client: Any, developer: Actor, app_id: str, url: str
) -> None:
    response = client.put(
        app_url(app_id, "/deploy"), json={"repo_url": url}, headers=developer.headers
    )
    assert_problem(response, 422, "invalid_repo_url")


@pytest.mark.parametrize(
    "branch",
    [
        "",
        "feature..x",
        "-x",
        "a b",
        "x.lock",
        "release/",
        "/main",
        ".hidden",
        "a//b",
        "x~1",
        "x^",
        "a:b",
        "we?",
        "a*",
        "a[",
        "a\\b",
        "@",
        "x@{1}",
        "main.",
    ],
)
def test_bad_branch_names_are_refused(
    client: Any, developer: Actor, app_id: str, branch: str
) -> None:
    body = {"repo_url": "https://github.com/acme/swap", "repo_branch": branch}
    assert_problem(
        client.put(app_url(app_id, "/deploy"), json=body, headers=developer.headers),
        422,
        "invalid_ref_name",
    )


def test_allowed_repository_hosts_come_from_the_settings(
    client: Any, developer: Actor, app_id: str, services: Services
) -> None:
    services.settings.allowed_repo_hosts = ["git.example.org"]
    body = {"repo_url": "https://git.example.org/acme/swap"}
    assert (
        client.put(app_url(app_id, "/deploy"), json=body, headers=developer.headers).status_code
        == 200
    )
    github = {"repo_url": "https://github.com/acme/swap"}
    assert_problem(
        client.put(app_url(app_id, "/deploy"), json=github, headers=developer.headers),
        422,
        "invalid_repo_url",
    )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("file:///srv/repos/greeter", "file:///srv/repos/greeter"),
        ("file:///srv/repos/greeter.git", "file:///srv/repos/greeter.git"),
        ("/srv/repos/my greeter", "file:///srv/repos/my%20greeter"),  # a bare path: its URL
    ],
)
def test_a_local_repository_is_accepted_on_the_development_default(
    client: Any, developer: Actor, app_id: str, services: Services, given: str, stored: str
) -> None:
    services.settings.deployer.git_schemes = Settings(mode="development").deployer.git_schemes
    response = client.put(
        app_url(app_id, "/deploy"), json={"repo_url": given}, headers=developer.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"repo_url": stored, "repo_branch": "main"}


@pytest.mark.parametrize(
    "url",
    [
        "file://server/srv/repos/greeter",
        "file:///",
        "file:///srv/repos/../secrets",
        "file:///srv/repos/greeter?x=1",
        "srv/repos/greeter",
    ],
)
def test_malformed_local_repositories_are_refused(
    client: Any, developer: Actor, app_id: str, services: Services, url: str
) -> None:
    services.settings.deployer.git_schemes = ["file"]
    response = client.put(
        app_url(app_id, "/deploy"), json={"repo_url": url}, headers=developer.headers
    )
    assert_problem(response, 422, "invalid_repo_url")


def test_a_local_repository_is_refused_unless_its_scheme_is_configured(
    client: Any, developer: Actor, app_id: str, services: Services
) -> None:
    services.settings.deployer.git_schemes = []  # the test and production default
    response = client.put(
        app_url(app_id, "/deploy"),
        json={"repo_url": "file:///srv/repos/greeter"},
        headers=developer.headers,
    )
    assert_problem(response, 422, "invalid_repo_url")
    assert "CHAINLESS_DEPLOYER__GIT_SCHEMES" in response.json()["detail"]


def test_plain_git_urls_of_other_hosts_need_their_scheme_configured(
    client: Any, developer: Actor, app_id: str, services: Services
) -> None:
    body = {"repo_url": "https://git.example.org/acme/swap.git"}
    refused = client.put(app_url(app_id, "/deploy"), json=body, headers=developer.headers)
    assert_problem(refused, 422, "invalid_repo_url")
    services.settings.deployer.git_schemes = ["https"]
    accepted = client.put(app_url(app_id, "/deploy"), json=body, headers=developer.headers)
    assert accepted.status_code == 200, accepted.text
    with_password = {"repo_url": "https://me:secret@git.example.org/acme/swap.git"}
    assert_problem(
        client.put(app_url(app_id, "/deploy"), json=with_password, headers=developer.headers),
        422,
        "invalid_repo_url",
    )


# --- payment ---------------------------------------------------------------------------------


def test_payment_budget_is_kept_in_gwei_and_shown_in_wei(
    client: Any, developer: Actor, app_id: str, services: Services
) -> None:
    initial = client.get(app_url(app_id, "/payment"), headers=developer.headers).json()
    assert initial == {
        "enabled": False,
        "gas_budget_wei": "0",
        "gas_spent_wei": "0",
        "gas_remaining_wei": "0",
    }
    one_ether = str(10**18)
    response = client.put(
        app_url(app_id, "/payment"),
        json={"enabled": True, "gas_budget_wei": one_ether},
        headers=developer.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["gas_budget_wei"] == one_ether
    assert stored_app(services, app_id).gas_budget_gwei == 10**9

    set_app(services, app_id, gas_spent_gwei=250_000_000)
    shown = client.get(app_url(app_id, "/payment"), headers=developer.headers).json()
    assert shown == {
        "enabled": True,
        "gas_budget_wei": one_ether,
        "gas_spent_wei": str(25 * 10**16),
        "gas_remaining_wei": str(75 * 10**16),
    }
    below = client.put(
        app_url(app_id, "/payment"),
        json={"enabled": True, "gas_budget_wei": str(10**17)},
        headers=developer.headers,
    )
    assert_problem(below, 409, "budget_below_spent")
    (event,) = audit_events(services, app_id, "app.payment_updated")
    assert event.changes == {"payment_service": [False, True], "gas_budget_gwei": [0, 10**9]}


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("-1000000000", "invalid_amount"),
        ("1000", "invalid_amount"),
        ("1000000000.5", "invalid_amount"),
        ("1e18", "invalid_amount"),
        ("abc", "invalid_amount"),
        ("", "invalid_amount"),
        (str(2**63 * 10**9), "invalid_amount"),
        (10**18, "validation_error"),
    ],
)
def test_bad_budgets_are_refused(
    client: Any, developer: Actor, app_id: str, services: Services, amount: Any, code: str
) -> None:
    response = client.put(
        app_url(app_id, "/payment"),
        json={"enabled": True, "gas_budget_wei": amount},
        headers=developer.headers,
    )
    assert_problem(response, 422, code)
    assert stored_app(services, app_id).payment_service is False


# --- audit certificate -----------------------------------------------------------------------


def upload(client: Any, actor: Actor, app_id: str, data: bytes = PDF, **form: str) -> Any:
    fields = {"issuer": "CertiK", "issued_on": "2025-03-01"} | form
    files = {"file": ("audit report.pdf", data, "application/pdf")}
    return client.put(
        app_url(app_id, "/audit-certificate"), data=fields, files=files, headers=actor.headers
    )


def stored_certificates(services: Services, app_id: str) -> list[AuditCertificate]:
    with services.transaction() as session:
        return list(
            session.scalars(select(AuditCertificate).where(AuditCertificate.app_id == app_id))
        )


def storage_files(services: Services, app_id: str) -> list[Path]:
    folder = Path(services.settings.storage.local_path) / "private" / "audit-certificates" / app_id
    return sorted(folder.glob("*")) if folder.exists() else []


def test_certificate_upload_with_checksum_then_download(
    client: Any, developer: Actor, app_id: str, services: Services
) -> None:
    digest = hashlib.sha256(PDF).hexdigest()
    response = upload(client, developer, app_id, sha256=digest.upper())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["sha256"] == digest
    assert body["size"] == len(PDF)
    assert body["issuer"] == "CertiK"
    assert body["issued_on"] == "2025-03-01"
    assert body["filename"] == "audit report.pdf"
    assert (
        client.get(app_url(app_id, "/audit-certificate"), headers=developer.headers).json() == body
    )

    download = client.get(body["download_url"], headers=developer.headers)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert (
        download.headers["repr-digest"]
        == f"sha-256=:{base64.b64encode(hashlib.sha256(PDF).digest()).decode()}:"
    )
    assert storage_files(services, app_id) == [
        Path(services.settings.storage.local_path)
        / f"private/audit-certificates/{app_id}/{body['id']}.pdf"
    ]
    (event,) = audit_events(services, app_id, "app.audit_certificate_uploaded")
    assert event.changes["sha256"] == [None, digest]

    newer = upload(client, developer, app_id, data=PDF + b"%v2\n", issuer="OpenZeppelin")
    assert (
        client.get(app_url(app_id, "/audit-certificate"), headers=developer.headers).json()["id"]
        == newer.json()["id"]
    )


def test_checksum_mismatch_stores_nothing(
    client: Any, developer: Actor, app_id: str, services: Services
) -> None:
    response = upload(
        client, developer, app_id, sha256=hashlib.sha256(b"something else").hexdigest()
    )
    problem = assert_problem(response, 422, "checksum_mismatch")
    assert problem["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert stored_certificates(services, app_id) == []
    assert storage_files(services, app_id) == []
    assert audit_events(services, app_id, "app.audit_certificate_uploaded") == []
    assert_problem(
        client.get(app_url(app_id, "/audit-certificate"), headers=developer.headers),
        404,
        "audit_certificate_not_found",
    )


@pytest.mark.parametrize(
    ("data", "form", "status", "code"),
    [
        (b"\x89PNG\r\n\x1a\nnot a pdf", {}, 422, "unsupported_document"),
        (PDF, {"sha256": "abc"}, 422, "invalid_checksum"),
        (PDF, {"issued_on": "01/03/2025"}, 422, "invalid_date"),
        (PDF, {"issued_on": (date.today() + timedelta(days=2)).isoformat()}, 422, "invalid_date"),
        (PDF, {"issuer": "   "}, 422, "validation_error"),
    ],
)
def test_bad_certificate_uploads_are_refused(
    client: Any,
    developer: Actor,
    app_id: str,
    services: Services,
    data: bytes,
    form: dict[str, str],
    status: int,
    code: str,
) -> None:
    assert_problem(upload(client, developer, app_id, data=data, **form), status, code)
    assert stored_certificates(services, app_id) == []
    assert storage_files(services, app_id) == []


def test_certificates_above_the_upload_limit_are_refused(
    client: Any, developer: Actor, app_id: str, services: Services
) -> None:
    services.settings.max_upload_bytes = 2048
    assert_problem(
        upload(client, developer, app_id, data=PDF + b"0" * 4096), 413, "payload_too_large"
    )
    assert storage_files(services, app_id) == []
