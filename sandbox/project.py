"""What the sandbox runs: a folder of built files or the URL of a page that already serves one.

A folder must hold an entry page (``index.html``); a URL must answer before the sandbox starts,
so a dev server that is not running is said at once, in words, not as an empty frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ENTRY_PAGE = "index.html"
# where build tools put the built files, offered when the folder given has no entry page
BUILD_FOLDERS = ("dist", "build", "out", "public", "www")


class ProjectError(ValueError):
    """The project cannot be run; the message says why and what to pass instead."""


@dataclass(frozen=True)
class Project:
    """A folder (``folder`` set, served by the sandbox) or a URL (``url`` set, framed as is)."""

    folder: Path | None = None
    url: str | None = None
    # what may keep the page out of the frame (said at start, the sandbox still runs)
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return str(self.folder) if self.folder is not None else str(self.url)

    @property
    def data_name(self) -> str:
        """A short name for the project's own data (the chain's folder)."""
        if self.folder is not None:
            return self.folder.name or "project"
        return urlsplit(self.url or "").netloc.replace(":", "-") or "url"


def resolve_project(argument: str, timeout: float = 3.0) -> Project:
    """The project named on the command line, or :class:`ProjectError` saying what is wrong."""
    if argument.startswith(("http://", "https://")):
        url, warnings = check_url(argument, timeout)
        return Project(url=url, warnings=warnings)
    if "://" in argument:
        raise ProjectError(f"{argument}: only http:// and https:// URLs can be framed")
    return Project(folder=check_folder(Path(argument)))


def check_folder(path: Path) -> Path:
    folder = path.expanduser().resolve()
    if not folder.exists():
        raise ProjectError(f"{path}: no such folder")
    if not folder.is_dir():
        raise ProjectError(f"{path} is a file: pass the folder that holds {ENTRY_PAGE}")
    if not (folder / ENTRY_PAGE).is_file():
        built = [name for name in BUILD_FOLDERS if (folder / name / ENTRY_PAGE).is_file()]
        hint = (
            f" (did you mean {path / built[0]}?)"
            if built
            else ": build the app first and pass the folder of built files"
        )
        raise ProjectError(f"{path} has no entry page {ENTRY_PAGE}{hint}")
    return folder


def check_url(url: str, timeout: float) -> tuple[str, tuple[str, ...]]:
    parts = urlsplit(url)
    if not parts.hostname:
        raise ProjectError(f"{url}: not a URL with a host")
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            response = client.get(url)
    except httpx.TimeoutException:
        raise ProjectError(
            f"{url} did not answer within {timeout:g} s: is your dev server running?"
        ) from None
    except httpx.HTTPError as error:
        raise ProjectError(
            f"nothing answers at {url} ({type(error).__name__}): start your dev server first, "
            "or pass a folder of built files"
        ) from None
    return url, framing_warnings(url, response.headers)


def framing_warnings(url: str, headers: httpx.Headers) -> tuple[str, ...]:
    """Headers that stop a browser from showing the page in the sandbox's frame."""
    warnings = []
    if headers.get("x-frame-options"):
        warnings.append(
            f"{url} answers with X-Frame-Options: {headers['x-frame-options']}; the browser "
            "will not show it in the sandbox's frame (drop the header in development)"
        )
    policy = headers.get("content-security-policy", "")
    if "frame-ancestors" in policy:
        warnings.append(
            f"{url} limits who may frame it (CSP frame-ancestors): allow "
            "http://127.0.0.1:<sandbox port> in development"
        )
    return tuple(warnings)
