#!/usr/bin/env bash
# Install everything the test suite needs, then run it: lint, types, tests.
# This is the README's test command and what .ci/run calls; it works on a fresh Debian machine
# (as root it installs the PostgreSQL server that the store tests start locally, and Debian's
# Chromium with CJK fonts for the browser tests, and nginx for the multi-server tests).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || apt_packages+=(postgresql)
command -v chromium >/dev/null || apt_packages+=(chromium)
compgen -G "/usr/share/fonts/opentype/noto/NotoSansCJK*" >/dev/null || apt_packages+=(fonts-noto-cjk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_packages+=(nginx)  # multi-server tests
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "安装系统依赖: ${apt_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  else
    echo "注意: 无法自动安装 ${apt_packages[*]}（需要 root 和 apt-get）；相关测试将被跳过。"
  fi
fi

python -m pip install -q --disable-pip-version-check -r requirements-dev.txt

echo "== ruff =="
ruff check civdash tests benchmarks app.py app_pages
ruff format --check civdash tests benchmarks app.py app_pages
echo "== mypy =="
mypy civdash
echo "== pytest =="
python -m pytest "$@"
