"""Contracts of a deployment: compile, audit, deploy and verify (docs/deployer.md, "Contracts").

One module per job: ``sources`` builds the standard-JSON input from the fetched tree, ``compiler``
runs solc through py-solc-x, ``builds`` caches builds by content hash, ``store`` keeps the
artifacts in object storage, ``audit`` runs slither and rates the findings, ``chain`` and
``deploy`` send the deployments, ``bytecode`` verifies the runtime code, ``stages`` plugs all
of it into the pipeline and ``overrides`` lets an operator accept a blocking audit.
"""
