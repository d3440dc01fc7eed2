"""Every component's models in one metadata, for Alembic and the assembly.

Components own their models; this is the one place that gathers them (the dependency points from
the assembly to the components, never between components).
"""

import chainless.chain.models  # registers the relay tables
import chainless.deployer.models  # registers the deployer tables
import chainless.oauth.models  # noqa: F401  (registers the wallet-login tables)
from chainless.platform.models import Base

metadata = Base.metadata
