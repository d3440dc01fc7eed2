#!/usr/bin/env bash
# Make sure Debian's Chromium is installed: the page tests drive it with Playwright
# (tests/browser.py). Playwright's own browser download does not work here; the distribution's
# package does, and CI starts on a fresh machine.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "installing chromium from Debian's packages (for the page tests)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null 2>&1 || { echo "chromium did not install" >&2; exit 1; }
