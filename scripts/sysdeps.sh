#!/usr/bin/env bash
# Installs the Debian packages the test-suite drives, when missing.  Needs root and apt-get;
# without them it only says what is missing (the tests that need them will then fail loudly).
set -u
PKGS=(chromium espeak-ng fonts-ocr-b sox)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "sysdeps: please install: ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "sysdeps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
