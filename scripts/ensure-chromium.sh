#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (browsers cannot be
# downloaded by Playwright here; playwright-core drives /usr/bin/chromium). Needs root or sudo.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Test workers (and the Kafka mock build) share one apt lock instead of fighting over dpkg.
exec 9>/tmp/meridian-apt.lock
flock 9
[ -x /usr/bin/chromium ] && exit 0
echo "[ensure-chromium] installing Debian chromium (browser tests)…" >&2
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
/usr/bin/chromium --version >&2
