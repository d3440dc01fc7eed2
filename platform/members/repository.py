"""Queries of app membership."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chainless.platform.models import AppMember


def members_of(session: Session, app_id: str) -> list[AppMember]:
    return list(
        session.scalars(
            select(AppMember)
            .where(AppMember.app_id == app_id)
            .order_by(AppMember.invited_at, AppMember.id)
        )
    )


def count_members(session: Session, app_id: str) -> int:
    return session.scalar(select(func.count()).where(AppMember.app_id == app_id)) or 0


def member_by_email(session: Session, app_id: str, email: str) -> AppMember | None:
    return session.scalar(
        select(AppMember)
        .where(AppMember.app_id == app_id, AppMember.email == email)
        .with_for_update()
    )


def member(session: Session, app_id: str, member_id: str) -> AppMember | None:
    return session.scalar(
        select(AppMember).where(AppMember.app_id == app_id, AppMember.id == member_id)
    )


def invitation(session: Session, token_hash: str) -> AppMember | None:
    return session.scalar(
        select(AppMember).where(AppMember.invite_token_hash == token_hash).with_for_update()
    )
