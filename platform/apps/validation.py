"""Semantic checks of an app's configuration, each failing with its own stable problem code.

Pydantic checks shapes and lengths (``validation_error``); the rules here need a code a client can
branch on (``invalid_redirect_uri``, ``unknown_scope``, ...) and a detail naming the value and
the rule it broke, so they run in the service layer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import SplitResult, urlsplit

from chainless.platform.core.errors import Unprocessable
from chainless.platform.core.scopes import unknown_scopes

MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_LENGTH = 2048
MAX_DOMAINS = 20
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_GITHUB_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_REPO_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _bad_redirect(uri: str, rule: str, detail: str) -> Unprocessable:
    shown = uri if len(uri) <= 200 else uri[:200] + "..."
    return Unprocessable(
        f"redirect URI {shown!r}: {detail}",
        code="invalid_redirect_uri",
        redirect_uri=shown,
        rule=rule,
    )


def check_redirect_uri(uri: str) -> None:
    """One redirect URI, compared later by exact string match (RFC 6749 §3.1.2, RFC 9700 §4.1).

    Absolute, https (http only on loopback, RFC 8252 §7.3), no fragment (RFC 6749 §3.1.2), no
    wildcard, no userinfo.
    """
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        raise _bad_redirect(uri, "max_length", f"longer than {MAX_REDIRECT_URI_LENGTH} characters")
    if "*" in uri:
        raise _bad_redirect(uri, "no_wildcard", "wildcards are not allowed; list every URI exactly")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in uri):
        raise _bad_redirect(
            uri, "no_whitespace", "whitespace and control characters are not allowed"
        )
    if "#" in uri:
        raise _bad_redirect(uri, "no_fragment", "a redirect URI must not contain a fragment")
    try:
        parts = urlsplit(uri)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        raise _bad_redirect(uri, "absolute", "not a valid absolute URI") from None
    if not parts.scheme or not parts.netloc or not parts.hostname:
        raise _bad_redirect(uri, "absolute", "must be an absolute URI with a host")
    if "@" in parts.netloc:
        raise _bad_redirect(uri, "no_userinfo", "user information (user@host) is not allowed")
    host = parts.hostname.lower()
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return
    if parts.scheme != "https":
        raise _bad_redirect(
            uri,
            "https_required",
            "must use https (http is allowed only for localhost, 127.0.0.1 and [::1])",
        )


def normalise_redirect_uris(uris: list[str]) -> list[str]:
    """Every URI checked, exact duplicates removed, at most ``MAX_REDIRECT_URIS`` left."""
    unique = _dedupe(uris)
    for uri in unique:
        check_redirect_uri(uri)
    if len(unique) > MAX_REDIRECT_URIS:
        raise Unprocessable(
            f"at most {MAX_REDIRECT_URIS} redirect URIs per app, got {len(unique)}",
            code="invalid_redirect_uri",
            rule="max_count",
        )
    return unique


def normalise_domains(domains: list[str]) -> list[str]:
    """Lower-cased DNS hostnames (RFC 1123 labels, an alphabetic or IDNA top-level label)."""
    cleaned = _dedupe([d.strip().lower().removesuffix(".") for d in domains])
    if len(cleaned) > MAX_DOMAINS:
        raise Unprocessable(
            f"at most {MAX_DOMAINS} domains per app, got {len(cleaned)}", code="invalid_domain"
        )
    for domain in cleaned:
        labels = domain.split(".")
        valid = (
            len(domain) <= 253
            and len(labels) >= 2
            and all(_LABEL.match(label) for label in labels)
            and bool(_TLD.match(labels[-1]))
        )
        if not valid:
            raise Unprocessable(
                f"{domain!r} is not a valid hostname (like app.example.com)",
                code="invalid_domain",
                domain=domain,
            )
    return cleaned


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = unknown_scopes(scopes)
    if unknown:
        raise Unprocessable(
            f"unknown scopes: {', '.join(unknown)}", code="unknown_scope", scopes=unknown
        )
    return _dedupe(scopes)


def check_icon_url(url: str) -> str:
    if not url:
        return url
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme != "https"
        or not parts.hostname
        or "@" in parts.netloc
        or len(url) > 256
        or any(ch.isspace() for ch in url)
    ):
        raise Unprocessable(
            "icon_url must be an https URL of at most 256 characters", code="invalid_icon_url"
        )
    return url


def check_repo_url(url: str, allowed_hosts: Sequence[str], git_schemes: Sequence[str] = ()) -> str:
    """A public repository to deploy from, in one of the forms the deployer fetches.

    ``https://<allowed host>/<owner>/<repo>[.git]`` goes through the GitHub API; any other URL is
    plain git and is accepted only when its scheme is configured
    (``CHAINLESS_DEPLOYER__GIT_SCHEMES``: ``file`` by default in development, for a local
    repository given as ``file:///<absolute path>`` or as the bare absolute path). The stored
    URL is the normalised one (a bare path becomes its ``file://`` URL).
    """
    forms = [f"https://<{'|'.join(allowed_hosts)}>/<owner>/<repo>"] if allowed_hosts else []
    forms += [_GIT_FORMS[scheme] for scheme in git_schemes if scheme in _GIT_FORMS]
    problem = Unprocessable(
        f"repo_url must look like {' or '.join(forms) or 'nothing: no repository is accepted'}"
        + ("" if "file" in git_schemes else _FILE_HINT),
        code="invalid_repo_url",
        accepted=forms,
    )
    if url.startswith("/") and "file" in git_schemes:
        url = PurePosixPath(url).as_uri()  # percent-encoded, as git reads file URLs
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise problem from None
    hosts = {h.lower() for h in allowed_hosts}
    if parts.scheme == "https" and (parts.hostname or "") in hosts:
        if not _github_form(url, parts, port):
            raise problem
        return url
    if parts.scheme not in git_schemes or not _git_form(url, parts, hosts):
        raise problem
    return url


_GIT_FORMS = {
    "file": "file:///<absolute path to a git repository>",
    "https": "https://<host>/<path> (plain git)",
    "ssh": "ssh://<host>/<path>",
    "git": "git://<host>/<path>",
}
_FILE_HINT = (
    " (local repositories, file:///<path>, are accepted in development or where "
    "CHAINLESS_DEPLOYER__GIT_SCHEMES includes file)"
)


def _github_form(url: str, parts: SplitResult, port: int | None) -> bool:
    if (
        port is not None
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or "#" in url
        or "?" in url
        or parts.netloc.lower() != parts.hostname
    ):
        return False
    segments = parts.path.split("/")
    if len(segments) != 3 or segments[0] != "":
        return False
    owner, repo = segments[1], segments[2].removesuffix(".git")
    return bool(_GITHUB_OWNER.match(owner) and _REPO_NAME.match(repo) and repo not in {".", ".."})


def _git_form(url: str, parts: SplitResult, github_hosts: set[str]) -> bool:
    """A URL git fetches without credentials: no query, fragment, password or option-like or
    control characters, no ``..``; ``file`` without a host, the others with one (and not a
    GitHub host, whose repositories go through the API)."""
    segments = parts.path.split("/")
    if (
        parts.query
        or parts.fragment
        or "#" in url
        or "?" in url
        or "::" in url
        or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url)
        or ".." in segments
        or not parts.path.startswith("/")
        or not parts.path.strip("/")
    ):
        return False
    if parts.scheme == "file":
        return not parts.netloc
    host = parts.hostname or ""
    userinfo = parts.netloc.rpartition("@")[0]
    if ":" in userinfo or (userinfo and parts.scheme != "ssh"):
        return False  # a password, or a user name git would send over https
    return bool(host) and not host.startswith("-") and host not in github_hosts


def check_ref_name(ref: str) -> str:
    """The rules of ``git check-ref-format --branch``."""
    components = ref.split("/")
    valid = (
        0 < len(ref) <= 255
        and not _REF_FORBIDDEN.search(ref)
        and ".." not in ref
        and "@{" not in ref
        and ref != "@"
        and not ref.startswith("-")
        and not ref.endswith(".")
        and all(c and not c.startswith(".") and not c.endswith(".lock") for c in components)
    )
    if not valid:
        raise Unprocessable(f"{ref!r} is not a valid git branch name", code="invalid_ref_name")
    return ref
