# Shared by scripts/run and scripts/test: install what is missing, quietly when it is there.

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root; run it as root or install sudo" >&2; return 1; fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# PostgreSQL server binaries (initdb, pg_ctl, postgres): the managed cluster needs them.
ensure_postgresql() {
  if [ -n "${CHAINSTORE_PG_BINDIR:-}" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then return 0; fi
  echo "Installing PostgreSQL (apt-get install postgresql)…"
  apt_install postgresql
}

ensure_swift() {
  if command -v swift >/dev/null; then return 0; fi
  if [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; return 0; fi
  echo "error: the Swift 6 toolchain is not on PATH (see https://www.swift.org/install)" >&2
  return 1
}
