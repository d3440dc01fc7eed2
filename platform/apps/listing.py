"""The catalog listing of a version, checked when the version is submitted for review.

A listing is what wallet users read in the catalog: the app's category (one of the fixed list
``schemas.CATEGORIES``), at most ``MAX_TAGS`` tags, and per language (zh-CN and/or en) a name, a
short description (one line in search results) and a long one. Every broken rule is reported at
once, one entry per field in the problem's ``errors`` (``invalid_listing``), so a listing editor
can put each message next to its field.
"""

from __future__ import annotations

import re
from typing import Any

from chainless.platform.apps.schemas import CATEGORIES, ListingIn
from chainless.platform.core.errors import Unprocessable
from chainless.platform.models import MiniProgram

LANGUAGES = ("zh-CN", "en")
MAX_TAGS = 5
MAX_NAME = 64
MAX_SHORT_DESCRIPTION = 170
MAX_DESCRIPTION = 4000
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def default_texts(app: MiniProgram) -> dict[str, dict[str, str]]:
    """A listing for a submission that sent none: the app's own name and description, in
    Chinese when the name is written in Chinese characters, else in English."""
    language = "zh-CN" if _CJK.search(app.name) else "en"
    text = app.description.strip()
    short = text.splitlines()[0].strip() if text else ""
    return {language: {"name": app.name, "short_description": short, "description": text}}


def _error(location: list[str], message: str, kind: str) -> dict[str, Any]:
    return {"location": ["body", "listing", *location], "message": message, "type": kind}


def _text_errors(language: str, text: dict[str, str]) -> list[dict[str, Any]]:
    errors = []
    limits = (
        ("name", MAX_NAME, True),
        ("short_description", MAX_SHORT_DESCRIPTION, True),
        ("description", MAX_DESCRIPTION, False),
    )
    for field, limit, required in limits:
        value = text[field]
        where = ["texts", language, field]
        if required and not value:
            errors.append(_error(where, f"{field.replace('_', ' ')} is required", "missing"))
        elif len(value) > limit:
            errors.append(
                _error(where, f"at most {limit} characters, got {len(value)}", "too_long")
            )
    return errors


def check(app: MiniProgram, listing: ListingIn | None) -> dict[str, Any]:
    """The listing to store on the submitted version, or 422 ``invalid_listing`` with every
    field that breaks a rule."""
    if listing is None:
        texts = default_texts(app)
    else:
        texts = {
            language: {
                "name": t.name.strip(),
                "short_description": t.short_description.strip(),
                "description": t.description.strip(),
            }
            for language, t in listing.texts.items()
        }
    errors: list[dict[str, Any]] = []
    if app.category not in CATEGORIES:
        errors.append(_error(["category"], f"one of: {', '.join(CATEGORIES)}", "unknown_category"))
    if len(app.tags) > MAX_TAGS:
        errors.append(_error(["tags"], f"at most {MAX_TAGS} tags, got {len(app.tags)}", "too_many"))
    unknown = sorted(set(texts) - set(LANGUAGES))
    for language in unknown:
        errors.append(
            _error(["texts", language], f"languages are {' and '.join(LANGUAGES)}", "language")
        )
    if not texts:
        errors.append(_error(["texts"], "give the listing in zh-CN or en", "missing"))
    for language, text in texts.items():
        if language in LANGUAGES:
            errors.extend(_text_errors(language, text))
    if errors and listing is None and not app.description.strip():
        # No listing sent: the texts come from the app, so say what to change on the app.
        raise Unprocessable(
            "the app has no description: add one in its settings (its first line is the short"
            " description the catalog shows) or send a listing with the submission",
            code="invalid_listing",
            errors=errors,
        )
    if errors:
        first = errors[0]
        where = ".".join(first["location"][1:])
        raise Unprocessable(
            f"the listing is not complete: {where}: {first['message']}",
            code="invalid_listing",
            errors=errors,
        )
    return {"category": app.category, "tags": list(app.tags), "texts": texts}
