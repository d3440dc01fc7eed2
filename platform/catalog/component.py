"""The catalog's declaration to the assembly (docs/decisions/0010, docs/catalog.md)."""

from __future__ import annotations

from collections.abc import Sequence

from chainless.platform.core.components import Component, Handler, JobFunction, Routes


class Catalog(Component):
    name = "catalog"

    def routes(self) -> Sequence[Routes]:
        from chainless.platform.catalog.endpoints import router

        return [Routes(router, "/api/v1")]

    def jobs(self) -> Sequence[JobFunction]:
        from chainless.platform.catalog import tasks

        return [tasks.index_app, tasks.refresh]

    def event_handlers(self) -> Sequence[tuple[str, Handler]]:
        from chainless.platform.catalog import indexing
        from chainless.platform.core import events

        return [
            (events.APP_LISTED, indexing.on_app_listed),
            (events.APP_DELISTED, indexing.on_app_delisted),
        ]


component = Catalog()
