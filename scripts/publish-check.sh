#!/usr/bin/env bash
# The packed tarball as a registry would serve it, checked by publint and arethetypeswrong (every resolution mode:
# node10, node16 from CJS and from ESM, bundlers). `expect-voice/vitest` has ESM code only (`require('vitest')`
# throws), and CJS declarations for type checks from CJS-typed consumers.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
[ -f dist/index.js ] || npm run build >/dev/null
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
node_modules/.bin/publint "$tarball" --strict
node_modules/.bin/attw "$tarball" --format ascii
echo "publish check: publint and arethetypeswrong pass"
