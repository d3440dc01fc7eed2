"""A small mini-program repository (contracts + a frontend with a committed lockfile).

Everything it needs is in the tree: the frontend has no npm dependencies, so ``npm ci`` installs
nothing from the network and ``npm run build`` is a node script writing ``dist/``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

MANIFEST = """manifest_version = 1

[app]
name = "Greeter"
version = "1.0.0"

[frontend]
root = "frontend"
build = "npm run build"
output = "dist"

[[contracts]]
name = "Greeter"
source = "contracts/Greeter.sol"
constructor_args = ["hello"]

[[contracts]]
name = "GreeterRegistry"
source = "contracts/GreeterRegistry.sol"
constructor_args = [{ contract = "Greeter" }, 3]

[deploy]
environment = "dev"
"""

GREETER = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Greeter {
    string public greeting;

    constructor(string memory initial) {
        greeting = initial;
    }

    function greet(string calldata next) external {
        greeting = next;
    }
}
"""

REGISTRY = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract GreeterRegistry {
    address public greeter;
    uint256 public slots;

    constructor(address greeter_, uint256 slots_) {
        greeter = greeter_;
        slots = slots_;
    }
}
"""

PACKAGE = {
    "name": "greeter-frontend",
    "version": "1.0.0",
    "private": True,
    "scripts": {"build": "node build.js"},
}

LOCK = {
    "name": "greeter-frontend",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {"": {"name": "greeter-frontend", "version": "1.0.0"}},
}

BUILD_JS = """const fs = require('fs');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<!doctype html><title>Greeter</title><h1>Greeter</h1>\\n');
fs.writeFileSync('dist/app.js', 'console.log("greeter");\\n');
console.log('built dist/');
"""


def write_mini_program(root: Path, *, manifest: str = MANIFEST) -> Path:
    """Write the fixture repository's files into ``root`` (created if needed)."""
    files = {
        "README.md": "# Greeter\n\nDeploy with the Chainless deployer: see chainless.toml.\n",
        "chainless.toml": manifest,
        "contracts/Greeter.sol": GREETER,
        "contracts/GreeterRegistry.sol": REGISTRY,
        "frontend/package.json": json.dumps(PACKAGE, indent=2) + "\n",
        "frontend/package-lock.json": json.dumps(LOCK, indent=2) + "\n",
        "frontend/build.js": BUILD_JS,
        "frontend/index.html": "<!doctype html><title>Greeter</title>\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.com",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
    done = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def git_repository(root: Path) -> Path:
    """The fixture as a git repository: ``main`` with one commit, tag ``v1.0.0``."""
    write_mini_program(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Greeter 1.0.0")
    git(root, "tag", "v1.0.0")
    return root


def commit_change(repo: Path, name: str, text: str, message: str) -> str:
    """Commit one file change and return the new commit's SHA."""
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")
