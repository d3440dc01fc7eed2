"""verify(): every check in its order, real EOA signatures (eth_account), EIP-2, EIP-1271 hook."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from coincurve import PublicKey
from eth_account import Account
from eth_account.messages import defunct_hash_message, encode_defunct
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from chainless.oauth.siwe import (
    ChainNotAllowed,
    DomainMismatch,
    InvalidSignature,
    IssuedInFuture,
    MalformedMessage,
    MessageExpired,
    NonceMismatch,
    NotYetValid,
    SignatureMismatch,
    SiweMessage,
    SiweParseError,
    SiweVerificationError,
    UnsupportedVersion,
    UriMismatch,
    VerifiedSignIn,
    parse,
    verify,
)
from chainless.oauth.siwe.signature import SECP256K1_N

pytestmark = pytest.mark.portable

DOMAIN = "app.example.com"
URI = "https://app.example.com/login"
NONCE = "k3Jd8sLq0Pz7Wm2X"
ISSUED = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
NOW = ISSUED + timedelta(seconds=5)


@pytest.fixture(scope="module")
def account() -> LocalAccount:
    return Account.create()


@pytest.fixture(scope="module")
def stranger() -> LocalAccount:
    return Account.create()


def build(account: LocalAccount, **changes: object) -> SiweMessage:
    fields: dict[str, object] = {
        "domain": DOMAIN,
        "address": account.address,
        "uri": URI,
        "chain_id": 1,
        "nonce": NONCE,
        "issued_at": ISSUED,
        "statement": "Sign in to Example",
        "expiration_time": ISSUED + timedelta(minutes=10),
    }
    fields.update(changes)
    return SiweMessage(**fields)  # type: ignore[arg-type]


def sign(account: LocalAccount, text: str) -> bytes:
    return bytes(account.sign_message(encode_defunct(text=text)).signature)


def check(message: SiweMessage | str, signature: str | bytes, **options: object) -> VerifiedSignIn:
    arguments: dict[str, object] = {
        "domain": DOMAIN,
        "uri": URI,
        "chain_ids": {1, 10},
        "nonce": NONCE,
        "now": NOW,
    }
    arguments.update(options)
    return verify(message, signature, **arguments)  # type: ignore[arg-type]


# -- success ---------------------------------------------------------------------------------------


def test_a_signed_message_verifies_from_text_and_from_the_value(account: LocalAccount) -> None:
    message = build(account)
    text = message.to_text()
    signature = sign(account, text)
    result = check(text, signature)
    assert result == VerifiedSignIn(
        address=account.address,
        chain_id=1,
        nonce=NONCE,
        kind="eoa",
        issued_at=ISSUED,
        expiration_time=ISSUED + timedelta(minutes=10),
        message=message,
    )
    assert check(message, signature) == result
    assert check(parse(text), signature) == result


@pytest.mark.parametrize("spelling", ["bytes", "0x-hex", "bare-hex", "upper-hex"])
def test_signatures_are_taken_as_bytes_or_hex(account: LocalAccount, spelling: str) -> None:
    text = build(account).to_text()
    raw = sign(account, text)
    spellings: dict[str, str | bytes] = {
        "bytes": raw,
        "0x-hex": "0x" + raw.hex(),
        "bare-hex": raw.hex(),
        "upper-hex": "0X" + raw.hex().upper(),
    }
    assert check(text, spellings[spelling]).kind == "eoa"


def test_v_may_be_27_28_or_0_1(account: LocalAccount) -> None:
    seen_v = set()
    for index in range(8):  # different nonces give both recovery ids
        text = build(account, nonce=f"{NONCE}{index}").to_text()
        signature = sign(account, text)
        assert signature[64] in (27, 28)
        seen_v.add(signature[64])
        zero_one = signature[:64] + bytes((signature[64] - 27,))
        assert check(text, signature, nonce=None).kind == "eoa"
        assert check(text, zero_one, nonce=None).kind == "eoa"
    assert seen_v == {27, 28}


def test_the_signed_text_is_exactly_the_parsed_text(account: LocalAccount) -> None:
    """A timestamp spelled unusually is verified as written, not as re-rendered."""
    text = build(account).to_text().replace("2025-05-01T12:00:00Z", "2025-05-01t20:00:00.000+08:00")
    assert parse(text).issued_at == ISSUED
    assert check(text, sign(account, text)).issued_at == ISSUED


def test_issued_at_with_an_offset_is_compared_as_an_instant(account: LocalAccount) -> None:
    issued = datetime(2025, 5, 1, 20, 0, 20, tzinfo=timezone(timedelta(hours=8)))  # 12:00:20Z
    message = build(account, issued_at=issued)
    signature = sign(account, message.to_text())
    assert check(message, signature, now=ISSUED).kind == "eoa"  # 20 s ahead: within the skew
    with pytest.raises(IssuedInFuture):
        check(message, signature, now=ISSUED, max_clock_skew=timedelta(seconds=10))


def test_a_message_with_no_expiry_and_a_reached_not_before_verifies(account: LocalAccount) -> None:
    message = build(account, expiration_time=None, not_before=NOW)
    result = check(message, sign(account, message.to_text()))
    assert result.expiration_time is None


# -- every failure, with its code ---------------------------------------------------------------


CODES = {
    MalformedMessage: "malformed_message",
    DomainMismatch: "domain_mismatch",
    UriMismatch: "uri_mismatch",
    UnsupportedVersion: "unsupported_version",
    ChainNotAllowed: "chain_not_allowed",
    NonceMismatch: "nonce_mismatch",
    IssuedInFuture: "issued_in_future",
    MessageExpired: "message_expired",
    NotYetValid: "not_yet_valid",
    InvalidSignature: "invalid_signature",
    SignatureMismatch: "signature_mismatch",
}


def test_every_failure_has_a_stable_code() -> None:
    for error, code in CODES.items():
        assert issubclass(error, SiweVerificationError)
        assert error.code == code


@pytest.mark.parametrize(
    ("message_changes", "options", "error"),
    [
        ({"domain": "evil.example.com"}, {}, DomainMismatch),
        ({"domain": "app.example.com:8443"}, {}, DomainMismatch),
        ({"scheme": "http"}, {"scheme": "https"}, DomainMismatch),
        ({"uri": "https://app.example.com/other"}, {}, UriMismatch),
        ({"version": "2"}, {}, UnsupportedVersion),
        ({"chain_id": 5}, {}, ChainNotAllowed),
        ({"nonce": "k3Jd8sLq0Pz7Wm2Y"}, {}, NonceMismatch),
        ({"issued_at": NOW + timedelta(seconds=31)}, {}, IssuedInFuture),
        ({"expiration_time": NOW}, {}, MessageExpired),
        ({"expiration_time": NOW - timedelta(microseconds=1)}, {}, MessageExpired),
        ({"not_before": NOW + timedelta(microseconds=1)}, {}, NotYetValid),
    ],
)
def test_each_field_check_fails_with_its_code(
    account: LocalAccount,
    message_changes: dict[str, object],
    options: dict[str, object],
    error: type[SiweVerificationError],
) -> None:
    message = build(account, **message_changes)
    signature = sign(account, message.to_text())  # a good signature: the field check must fail
    with pytest.raises(error) as caught:
        check(message, signature, **options)
    assert caught.value.code == CODES[error]


def test_the_clock_skew_allowance_is_inclusive_and_configurable(account: LocalAccount) -> None:
    message = build(account, issued_at=NOW + timedelta(seconds=30))
    signature = sign(account, message.to_text())
    assert check(message, signature).kind == "eoa"
    with pytest.raises(IssuedInFuture):
        check(message, signature, max_clock_skew=timedelta(seconds=29))


def test_scheme_is_checked_only_when_asked_and_defaults_to_https(account: LocalAccount) -> None:
    implicit = build(account)
    explicit = build(account, scheme="https")
    for message in (implicit, explicit):
        signature = sign(account, message.to_text())
        assert check(message, signature, scheme="https").kind == "eoa"
        assert check(message, signature, scheme="HTTPS").kind == "eoa"
        with pytest.raises(DomainMismatch):
            check(message, signature, scheme="http")


def test_the_checks_run_in_the_documented_order(
    account: LocalAccount, stranger: LocalAccount
) -> None:
    """Fix one failing field at a time: the next failure in the order surfaces each time."""
    changes: dict[str, object] = {
        "domain": "evil.example.com",
        "uri": "https://evil.example.com/",
        "version": "2",
        "chain_id": 5,
        "nonce": "0000000000000000",
        "issued_at": NOW + timedelta(hours=1),
        "expiration_time": NOW - timedelta(seconds=1),
        "not_before": NOW + timedelta(hours=2),
    }
    order = [
        DomainMismatch,
        UriMismatch,
        UnsupportedVersion,
        ChainNotAllowed,
        NonceMismatch,
        IssuedInFuture,
        MessageExpired,
        NotYetValid,
    ]
    good = build(account)
    for field, expected in zip(list(changes), order, strict=True):
        message = build(account, **changes)
        with pytest.raises(expected):
            check(message, sign(stranger, message.to_text()))
        changes[field] = getattr(good, field)
    message = build(account, **changes)
    with pytest.raises(SignatureMismatch):
        check(message, sign(stranger, message.to_text()))
    with pytest.raises(InvalidSignature):
        check(message, b"\x01" * 64)


def test_text_that_does_not_parse_is_a_malformed_message(account: LocalAccount) -> None:
    text = build(account).to_text().replace(account.address, account.address.lower())
    with pytest.raises(MalformedMessage, match="line 2: address is not EIP-55 checksummed") as e:
        check(text, sign(account, text))
    assert isinstance(e.value.__cause__, SiweParseError)
    assert e.value.__cause__.line == 2


def test_a_version_2_text_does_not_parse(account: LocalAccount) -> None:
    text = build(account, version="2").to_text()
    with pytest.raises(MalformedMessage, match="unsupported version '2'"):
        check(text, sign(account, text))


def test_another_signer_is_a_signature_mismatch(
    account: LocalAccount, stranger: LocalAccount
) -> None:
    message = build(account)
    with pytest.raises(SignatureMismatch, match=stranger.address):
        check(message, sign(stranger, message.to_text()))


def test_a_signature_over_another_message_is_a_signature_mismatch(account: LocalAccount) -> None:
    message = build(account)
    other = dataclasses.replace(message, statement="Sign in to Example!")
    with pytest.raises(SignatureMismatch):
        check(message, sign(account, other.to_text()))


def _high_s(signature: bytes) -> bytes:
    """The same signature's twin (EIP-2): s -> n - s and the other recovery id."""
    s = int.from_bytes(signature[32:64], "big")
    v = 55 - signature[64]  # 27 <-> 28
    return signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes((v,))


def test_high_s_signatures_are_rejected_per_eip_2(account: LocalAccount) -> None:
    text = build(account).to_text()
    signature = sign(account, text)
    twin = _high_s(signature)
    # The twin is mathematically valid for the same key: only EIP-2's rule rejects it.
    message_hash = bytes(defunct_hash_message(text=text))
    recid = bytes((twin[64] - 27,))
    public = PublicKey.from_signature_and_message(twin[:64] + recid, message_hash, hasher=None)
    assert keccak(public.format(compressed=False)[1:])[12:].hex() == account.address[2:].lower()
    with pytest.raises(InvalidSignature, match="EIP-2") as caught:
        check(text, twin)
    assert caught.value.code == "invalid_signature"
    zero_one = twin[:64] + recid
    with pytest.raises(InvalidSignature, match="EIP-2"):
        check(text, zero_one)


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("0x1234", "65 bytes"),
        (b"\x01" * 64, "65 bytes"),
        (b"\x01" * 66, "65 bytes"),
        ("", "65 bytes"),
        ("0xzz" + "00" * 64, "not hex"),
        ("0x" + "0" * 129, "not hex"),
        ("00 " * 65, "not hex"),
        (b"\x01" * 64 + b"\x1d", "v must be"),
        (b"\x00" * 32 + b"\x01" * 32 + b"\x1b", "r is out of range"),
        (SECP256K1_N.to_bytes(32, "big") + b"\x01" * 32 + b"\x1b", "r is out of range"),
        (b"\x01" * 32 + b"\x00" * 32 + b"\x1b", "s is not in the lower half"),
    ],
)
def test_malformed_signatures_are_invalid(
    account: LocalAccount, signature: str | bytes, reason: str
) -> None:
    with pytest.raises(InvalidSignature, match=reason):
        check(build(account), signature)


def test_an_r_that_is_no_curve_point_is_invalid(account: LocalAccount) -> None:
    text = build(account).to_text()
    signature = sign(account, text)
    for r in range(1, 40):  # about half of all x coordinates lie on no secp256k1 point
        forged = r.to_bytes(32, "big") + signature[32:]
        try:
            check(text, forged)
        except InvalidSignature as error:
            if "does not recover" in str(error):
                return
        except SignatureMismatch:
            continue
    pytest.fail("no r without a curve point among the first 39")


def test_a_non_bytes_signature_is_invalid(account: LocalAccount) -> None:
    with pytest.raises(InvalidSignature, match="str or bytes"):
        check(build(account), 12345)  # type: ignore[arg-type]


def test_bad_arguments_are_programming_errors(account: LocalAccount) -> None:
    message = build(account)
    signature = sign(account, message.to_text())
    with pytest.raises(ValueError, match="timezone-aware"):
        check(message, signature, now=datetime(2025, 5, 1, 12, 0))
    with pytest.raises(ValueError, match="domain"):
        check(message, signature, domain="")


def test_now_defaults_to_the_current_time(account: LocalAccount) -> None:
    fresh = SiweMessage.prepare(
        domain=DOMAIN, address=account.address, uri=URI, chain_id=1, expires_in=timedelta(1)
    )
    assert check(fresh, sign(account, fresh.to_text()), nonce=fresh.nonce, now=None).kind == "eoa"
    with pytest.raises(MessageExpired):
        check(build(account), sign(account, build(account).to_text()), now=None)


# -- the EIP-1271 hook ------------------------------------------------------------------------


class RecordingChecker:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.calls: list[tuple[str, bytes, bytes]] = []

    def __call__(self, address: str, message_hash: bytes, signature: bytes) -> bool:
        self.calls.append((address, message_hash, signature))
        return self.answer


def test_the_contract_checker_is_not_asked_when_the_eoa_signature_matches(
    account: LocalAccount,
) -> None:
    checker = RecordingChecker(answer=False)
    message = build(account)
    assert check(message, sign(account, message.to_text()), contract_checker=checker).kind == "eoa"
    assert checker.calls == []


def test_a_contract_account_is_accepted_when_the_checker_agrees(
    account: LocalAccount, stranger: LocalAccount
) -> None:
    """The wallet contract (here: at `account`'s address) accepts its owner's signature."""
    checker = RecordingChecker(answer=True)
    message = build(account)
    text = message.to_text()
    signature = sign(stranger, text)
    result = check(text, "0x" + signature.hex(), contract_checker=checker)
    assert result.kind == "contract"
    assert result.address == account.address
    assert checker.calls == [(account.address, bytes(defunct_hash_message(text=text)), signature)]


def test_the_checkers_refusal_is_a_signature_mismatch(
    account: LocalAccount, stranger: LocalAccount
) -> None:
    checker = RecordingChecker(answer=False)
    message = build(account)
    with pytest.raises(SignatureMismatch):
        check(message, sign(stranger, message.to_text()), contract_checker=checker)
    assert len(checker.calls) == 1


def test_a_contract_signature_need_not_be_an_eoa_signature(account: LocalAccount) -> None:
    """Multi-owner wallets sign with several concatenated signatures; the contract decides."""
    message = build(account)
    text = message.to_text()
    multisig = sign(account, text) + sign(Account.create(), text)
    accepting = RecordingChecker(answer=True)
    assert check(message, multisig, contract_checker=accepting).kind == "contract"
    assert accepting.calls[0][2] == multisig
    refusing = RecordingChecker(answer=False)
    with pytest.raises(InvalidSignature, match="65 bytes"):
        check(message, multisig, contract_checker=refusing)
    assert len(refusing.calls) == 1


def test_the_checker_is_not_asked_when_a_field_check_fails(account: LocalAccount) -> None:
    checker = RecordingChecker(answer=True)
    message = build(account, chain_id=5)
    with pytest.raises(ChainNotAllowed):
        check(message, b"\x00" * 65, contract_checker=checker)
    assert checker.calls == []


def test_a_high_s_signature_from_the_owner_key_is_left_to_the_contract(
    account: LocalAccount,
) -> None:
    checker = RecordingChecker(answer=False)
    text = build(account).to_text()
    with pytest.raises(InvalidSignature, match="EIP-2"):
        check(text, _high_s(sign(account, text)), contract_checker=checker)
    assert len(checker.calls) == 1
