#!/usr/bin/env bash
# The two commands of the README: `./vellum.sh serve [serve flags…]` installs what a fresh
# Debian machine lacks, builds and starts the server; `./vellum.sh test` installs that plus
# the test-only tools and runs the whole suite. Any other arguments go to the `vellum` binary.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/prerequisites.sh

case "${1:-}" in
  test)
    shift
    install_run_prerequisites
    install_test_prerequisites
    exec cargo test --workspace --all-targets "$@"
    ;;
  "" | -h | --help)
    echo "usage: ./vellum.sh serve [flags]   install, build and start the server"
    echo "       ./vellum.sh test            install the test tools and run the suite"
    echo "       ./vellum.sh <command> …     any other vellum command (import, worker, audit …)"
    ;;
  *)
    install_run_prerequisites
    exec cargo run --release -p vellum -- "$@"
    ;;
esac
