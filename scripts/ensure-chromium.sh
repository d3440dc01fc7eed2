#!/usr/bin/env bash
# Make sure Debian's Chromium is installed, with a font that has the Chinese glyphs (the pages
# come in zh-CN; without one their screenshots show boxes): the page tests drive it with
# Playwright (tests/browser.py). Playwright's own browser download does not work here; the
# distribution's packages do, and CI starts on a fresh machine.
set -euo pipefail

has_cjk_font() { fc-list :lang=zh family 2>/dev/null | grep -q .; }

if command -v chromium >/dev/null 2>&1 && has_cjk_font; then
  exit 0
fi
echo "installing chromium and fonts-noto-cjk from Debian's packages (for the page tests)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
command -v chromium >/dev/null 2>&1 || { echo "chromium did not install" >&2; exit 1; }
has_cjk_font || { echo "no font with Chinese glyphs after installing fonts-noto-cjk" >&2; exit 1; }
