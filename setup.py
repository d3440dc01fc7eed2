"""Map the top-level component folders into the ``chainless`` import namespace.

``platform/`` must never be importable as a bare ``platform`` (it would shadow the standard
library), so no component folder has an ``__init__.py`` of its own: each one is the directory of
``chainless.<component>`` and every sub-package below it is found automatically.
"""

from setuptools import find_packages, setup

COMPONENTS = {
    "platform": "chainless.platform",
    "oauth": "chainless.oauth",
    "chain": "chainless.chain",
    "deployer": "chainless.deployer",
    "sandbox": "chainless.sandbox",
}

packages: list[str] = []
package_dir: dict[str, str] = {}
for folder, name in COMPONENTS.items():
    package_dir[name] = folder
    packages.append(name)
    packages.extend(f"{name}.{sub}" for sub in find_packages(folder))

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={
        "chainless.platform": [
            "alembic.ini",
            "migrations/script.py.mako",
            "web/templates/*.html",
            "web/static/*",
            "web/console_dist/*",  # the console as built by `make setup` (decision 0011)
            "web/console_dist/assets/*",
        ],
    },
    include_package_data=True,
)
