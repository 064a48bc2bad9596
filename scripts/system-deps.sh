#!/usr/bin/env bash
# Install the Debian packages QualityHub needs, if any is missing (run by `make install`).
#   gettext: msgfmt, to compile the interface translations.
#   chromium, fonts-noto-cjk: the browser tests (Playwright drives Debian's Chromium) and
#   Chinese text in screenshots and PDFs.
set -euo pipefail

packages=(gettext chromium fonts-noto-cjk)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
