#!/usr/bin/env bash
# Compatibility run for Jest 29 (the repo's own suite runs Jest 30): installs the packed package into a scratch
# consumer project with jest@29 and runs the Jest example offline.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
[ -f dist/index.js ] || npm run build >/dev/null
npm pack --silent --pack-destination "$work" >/dev/null
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --save-dev jest@29 @jest/globals@29 ./expect-voice-*.tgz >/dev/null 2>&1
echo "compat: node $(node --version), jest $(node -p "require('jest/package.json').version")"
mkdir -p jest && cp "$root/examples/jest/booking.test.cjs" jest/
node node_modules/jest/bin/jest.js --ci --testMatch '**/jest/*.test.cjs'
echo "compat: Jest 29: example passed"
