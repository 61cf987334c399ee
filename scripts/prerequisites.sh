#!/usr/bin/env bash
# What Vellum needs on a Debian machine, kept in one place: `./vellum.sh serve` installs the
# run-time set, `./vellum.sh test` (and so `.ci/run`) the run-time and the test-only sets.
# Sourced, not run: it defines functions and changes nothing until one is called.

# Installs the Debian packages whose commands are missing. Arguments are `command:package…`
# pairs; a package list may name several packages, separated by commas.
apt_for_missing() {
  local missing=() pair cmd pkgs
  for pair in "$@"; do
    cmd="${pair%%:*}"
    pkgs="${pair#*:}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=(${pkgs//,/ })
  done
  apt_install "${missing[@]}"
}

# Installs the named Debian packages (nothing when none is named).
apt_install() {
  (($#)) || return 0
  echo "vellum: installing $*" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

# Installs Debian packages for files that are missing. Arguments are `path:package` pairs.
apt_for_missing_files() {
  local missing=() pair
  for pair in "$@"; do
    [ -e "${pair%%:*}" ] || missing+=("${pair#*:}")
  done
  apt_install "${missing[@]}"
}

# To build (the JPEG codec builds its bundled libjpeg-turbo) and to process every format
# (`vellum serve` logs the formats it cannot process when one of these is missing).
install_run_prerequisites() {
  command -v cargo >/dev/null 2>&1 || {
    echo "vellum: cargo is missing; install Rust from https://rustup.rs first" >&2
    return 1
  }
  apt_for_missing \
    cc:gcc,libc6-dev \
    cmake:cmake \
    nasm:nasm \
    ffmpeg:ffmpeg \
    ffprobe:ffmpeg \
    pdfinfo:poppler-utils \
    pdftoppm:poppler-utils \
    gs:ghostscript \
    rsvg-convert:librsvg2-bin \
    heif-convert:libheif-examples \
    vips:libvips-tools \
    soffice:libreoffice-writer-nogui,libreoffice-impress-nogui,libreoffice-calc-nogui \
    prlimit:util-linux \
    bwrap:bubblewrap
  # The font watermarked previews for outsiders are drawn with.
  apt_for_missing_files /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf:fonts-dejavu-core
}

# Pinned versions of the Python tools that check the API contract from outside.
SCHEMATHESIS_VERSION=4.32.5
OPENAPI_PYTHON_CLIENT_VERSION=0.29.0
# The real protocol peers of the notification tests: an SMTP server and a webhook verifier.
AIOSMTPD_VERSION=1.4.6
STANDARDWEBHOOKS_VERSION=1.1.0
ICALENDAR_VERSION=7.3.2
PROMETHEUS_CLIENT_VERSION=0.26.0
MCP_VERSION=2.3.0
# The S3 server of the blob conformance suite and the cluster story.
GARAGE_VERSION=2.5.0

# The test oracles, benchmark baselines, browser and contract tools, and the local PostgreSQL.
install_test_prerequisites() {
  apt_for_missing \
    chromium:chromium \
    psql:postgresql-client \
    pg_isready:postgresql-client \
    exiftool:libimage-exiftool-perl \
    vipsthumbnail:libvips-tools \
    openssl:openssl \
    python3:python3,python3-venv
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_for_missing node:nodejs npm:npm

  install_python_tools
  install_garage
  if [ -f tests/browser/package.json ]; then
    npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
  fi
  start_postgres
}

# schemathesis and openapi-python-client (the contract test), aiosmtpd and standardwebhooks
# (the notification tests), icalendar (the calendar feed tests), prometheus-client (the
# /metrics story), mcp (the official MCP client, for the agent stories) in `.tools/python`,
# where the tests look.
install_python_tools() {
  local venv=.tools/python pins=(
    "schemathesis==$SCHEMATHESIS_VERSION"
    "openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION"
    "aiosmtpd==$AIOSMTPD_VERSION"
    "standardwebhooks==$STANDARDWEBHOOKS_VERSION"
    "icalendar==$ICALENDAR_VERSION"
    "prometheus-client==$PROMETHEUS_CLIENT_VERSION"
    "mcp==$MCP_VERSION"
  )
  local pin have=1
  for pin in "${pins[@]}"; do
    "$venv/bin/python" -m pip show "${pin%%==*}" 2>/dev/null | grep -qx "Version: ${pin##*==}" || have=0
  done
  ((have)) && return 0
  echo "vellum: installing ${pins[*]} in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${pins[@]}"
}

# Garage, built from crates.io once per machine (about 10 minutes on two cores) in a target
# folder of its own, so the project's shared target/ stays the project's.
install_garage() {
  local have
  have="$(garage --version 2>/dev/null || "${CARGO_HOME:-$HOME/.cargo}/bin/garage" --version 2>/dev/null || true)"
  case "$have" in *"$GARAGE_VERSION"*) return 0 ;; esac
  echo "vellum: building Garage $GARAGE_VERSION (the S3 server of the blob tests; once per machine)" >&2
  local target
  target="$(mktemp -d)"
  CARGO_TARGET_DIR="$target" cargo install garage --version "$GARAGE_VERSION" --locked \
    --no-default-features --features bundled-libs,sqlite
  rm -rf "$target"
}

# The PostgreSQL half of the suite needs the server on 127.0.0.1:5432.
start_postgres() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
  fi
  pg_isready -h 127.0.0.1 -p 5432 -q || {
    echo "vellum: PostgreSQL is not reachable on 127.0.0.1:5432 (set VELLUM_TEST_POSTGRES to another server)" >&2
    return 1
  }
  # Databases left by earlier runs (each test makes its own).
  psql -h 127.0.0.1 -U postgres -d test -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'vellum_test_%'" |
    while read -r db; do psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE IF EXISTS \"$db\"" || true; done
}
