#!/usr/bin/env bash
# Installs everything Proxy Smart needs to build, run and test, from Debian's
# packages. Idempotent: packages already present are left alone, so a second
# run costs one dpkg query.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev
  qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n
  libqt6svg6 qt6-qpa-plugins
  qtkeychain-qt6-dev libssl-dev libhttp-parser-dev
  clang-format
  # fuzzing (libFuzzer) and sanitizer runtimes
  clang libclang-rt-14-dev
  # test servers: Keycloak and HAPI FHIR run on the JVM, built by Maven
  maven curl unzip ca-certificates python3
  # GUI tests, screenshots and the OS keychain
  xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools
  # browser tests
  chromium
  # benchmarks
  nginx-light wrk
)

missing=()
# Tools that some machines already carry from elsewhere (a JDK, Node.js from
# NodeSource): only installed from Debian when the command is absent.
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
