"""Apps: each OAuth client's ``token_endpoint_auth_method`` (RFC 7591 §2), so a confidential
client must authenticate with its secret on every token, revocation and introspection request
and only a public client may use ``none`` (``chainless.oauth.clients``).

Every existing app was issued a secret at creation and nothing recorded how it authenticated,
so all are backfilled as confidential (``client_secret_basic``, which accepts either secret
method): a backend that sent its secret keeps working, and one that redeemed tokens with PKCE
alone must now send it (docs/oauth.md).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METHODS = "('client_secret_basic', 'client_secret_post', 'none')"


def upgrade() -> None:
    with op.batch_alter_table("mini_programs") as batch:
        batch.add_column(
            sa.Column(
                "token_endpoint_auth_method",
                sa.String(length=32),
                nullable=False,
                server_default="client_secret_basic",
            )
        )
        batch.create_check_constraint(
            op.f("ck_mini_programs_token_endpoint_auth_method"),
            f"token_endpoint_auth_method IN {METHODS}",
        )


def downgrade() -> None:
    with op.batch_alter_table("mini_programs") as batch:
        batch.drop_constraint(op.f("ck_mini_programs_token_endpoint_auth_method"), type_="check")
        batch.drop_column("token_endpoint_auth_method")
