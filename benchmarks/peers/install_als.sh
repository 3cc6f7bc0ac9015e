#!/usr/bin/env bash
# Install aws-local-stepfunctions (npm; an in-process Node interpreter, no server) into a scratch dir.
#   usage: benchmarks/peers/install_als.sh [DIR]    (default: $ALS_DIR or a dir under $TMPDIR)
set -euo pipefail
DIR="${1:-${ALS_DIR:-${TMPDIR:-/tmp}/stepstone-bench-als}}"
mkdir -p "$DIR" && cd "$DIR"
[ -f package.json ] || npm init -y >/dev/null
[ -d node_modules/aws-local-stepfunctions ] || npm install --no-audit --no-fund aws-local-stepfunctions@3.0.0 >/dev/null
echo "$DIR"
