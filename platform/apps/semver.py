"""Semantic Versioning 2.0.0 (https://semver.org): parsing and precedence (§9-§11).

Build metadata (§10) is not accepted: it carries no precedence, and a version stored in the spec's
``varchar(16)`` column has no room for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_NUMBER = r"0|[1-9]\d*"
_IDENTIFIER = rf"(?:{_NUMBER}|\d*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER = re.compile(
    rf"^({_NUMBER})\.({_NUMBER})\.({_NUMBER})(?:-({_IDENTIFIER}(?:\.{_IDENTIFIER})*))?$"
)


class InvalidVersion(ValueError):
    pass


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        match = SEMVER.match(text)
        if match is None:
            raise InvalidVersion(f"{text!r} is not MAJOR.MINOR.PATCH[-prerelease] (semver 2.0)")
        major, minor, patch, pre = match.groups()
        return cls(int(major), int(minor), int(patch), tuple(pre.split(".")) if pre else ())

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.prerelease)}" if self.prerelease else core

    def _key(self) -> tuple[object, ...]:
        # §11.3: a pre-release has lower precedence than the release; §11.4: identifiers compare
        # numerically when numeric, lexically (ASCII) otherwise, numeric before alphanumeric, and a
        # longer set wins when all preceding identifiers are equal.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()
