#!/usr/bin/env bash
# mypy does not follow setuptools' package-dir mapping, so give it a tree of links that has the
# import layout (.typecheck/chainless/<component> -> <component>/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/.typecheck/chainless"
for component in platform oauth chain deployer sandbox; do
  ln -sfn "$root/$component" "$root/.typecheck/chainless/$component"
done
