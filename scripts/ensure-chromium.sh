#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (browsers cannot be
# downloaded by Playwright here; playwright-core drives /usr/bin/chromium). Needs root or sudo.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Concurrent test workers wait for one install instead of fighting over dpkg's lock.
exec 9>/tmp/meridian-chromium-install.lock
flock 9
[ -x /usr/bin/chromium ] && exit 0
echo "[ensure-chromium] installing Debian chromium (browser tests)…" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
/usr/bin/chromium --version >&2
