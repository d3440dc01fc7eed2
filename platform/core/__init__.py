"""The shared kernel: settings, database, errors, security, jobs and the request context."""

from chainless.platform.core.recursion_limit import keep_default_recursion_limit

# Every process (api, worker, CLI, tests) imports the kernel before any component, so this runs
# before anything imports py_ecc through eth_account or web3: see ``recursion_limit``.
keep_default_recursion_limit()
