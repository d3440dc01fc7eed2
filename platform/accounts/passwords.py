"""Password policy after NIST SP 800-63B §5.1.1.2: length over composition, no common passwords,
nothing derived from the account's own email."""

from __future__ import annotations

MIN_LENGTH = 10
MAX_LENGTH = 128
_COMMON = frozenset(
    [
        "password",
        "password1",
        "password123",
        "123456789",
        "1234567890",
        "12345678910",
        "qwertyuiop",
        "qwerty123",
        "iloveyou1",
        "admin12345",
        "welcome123",
        "letmein123",
        "passw0rd123",
        "abc1234567",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "football123",
        "baseball123",
        "sunshine123",
        "princess123",
        "dragon1234",
        "monkey1234",
        "changeme123",
        "chainless",
        "chainless123",
        "password12345",
        "qwertyuiop123",
        "zaq12wsxcde",
    ]
)


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Why ``password`` is too weak, in plain words; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"use at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in _COMMON or lowered.rstrip("0123456789!") in _COMMON:
        problems.append("this password is too common")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        problems.append("do not use your email address in the password")
    if len(set(password)) < 5:
        problems.append("use more different characters")
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if len(password) < 16 and classes < 2:
        problems.append("mix letters with digits or symbols, or use 16 characters or more")
    return problems
