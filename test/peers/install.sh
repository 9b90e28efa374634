#!/usr/bin/env bash
# Installs the reverse proxies the peer tests run (Debian 12). Idempotent: installs only what is missing.
# The tests start each server themselves, in the foreground, with a config in a temp dir; the services the
# packages register are not needed (in a container, /usr/sbin/policy-rc.d usually keeps them from starting).
set -euo pipefail

PACKAGES=(nginx haproxy apache2 caddy lighttpd varnish squid h2o tinyproxy trafficserver)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "peers: all installed"
  exit 0
fi

SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
"${SUDO[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y "${missing[@]}"
