#!/usr/bin/env bash
# Compatibility run for Jest 29 (the repo's own suite runs Jest 30): installs the packed package into a scratch
# consumer project with jest@29 and runs the Jest example offline. Then the same under pnpm without hoisting
# (node-linker=isolated, hoist=false, shamefully-hoist=false: a package sees only what it declares), where the Jest
# matcher types once vanished because `declare module 'expect'` in expect-voice/jest found no `expect` (it was not a
# declared peer): a Jest consumer must type-check `await expect(voice.agent).toSay('x')` and reject `toSay(42)`, and
# the example must run.
# COMPAT_BREAK=NAME undoes one of the type fixes in the packed copy first (see BREAKS in scripts/package-check.mjs;
# `expect-peer` is this script's): the run must then fail.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
[ -f dist/index.js ] || npm run build >/dev/null
npm pack --silent --pack-destination "$work" >/dev/null
cd "$work"
if [ -n "${COMPAT_BREAK:-}" ]; then
  mkdir unpacked && tar -xzf expect-voice-*.tgz -C unpacked && rm expect-voice-*.tgz
  node "$root/scripts/package-check.mjs" "--apply-break=$COMPAT_BREAK:$work/unpacked/package"
  tar -czf expect-voice-broken.tgz -C unpacked package
  echo "compat: COMPAT_BREAK=$COMPAT_BREAK: fix undone in the packed copy; this run must fail"
fi
tarball="$(ls "$work"/expect-voice-*.tgz)"

mkdir npm && cd npm
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --save-dev jest@29 @jest/globals@29 "$tarball" >/dev/null 2>&1
echo "compat: node $(node --version), jest $(node -p "require('jest/package.json').version")"
mkdir -p jest && cp "$root/examples/jest/booking.test.cjs" jest/
node node_modules/jest/bin/jest.js --ci --testMatch '**/jest/*.test.cjs'
echo "compat: Jest 29: example passed"
# The run report's Jest reporter (loaded with require): written, and an exceeded budget fails the run.
set +e
EXPECT_VOICE_BUDGETS='{"firstAudio":{"p95":1}}' node node_modules/jest/bin/jest.js --ci --testMatch '**/jest/*.test.cjs' \
  --reporters=default --reporters=expect-voice/jest-reporter >/dev/null 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || { echo "compat: an exceeded voice budget did not fail the Jest 29 run"; exit 1; }
node -e "const r = require('./voice-report/voice-report.json'); if (r.tests.length < 2 || r.runs[0].runner !== 'jest') { console.log(JSON.stringify(r, null, 1)); process.exit(1) }"
echo "compat: Jest 29: run report written, an exceeded budget fails the run"

# ---- pnpm, no hoisting ----
mkdir "$work/pnpm" && cd "$work/pnpm"
cat > package.json <<'JSON'
{ "name": "expect-voice-pnpm-consumer", "private": true }
JSON
# Strict: no hidden hoisting into node_modules/.pnpm/node_modules, none into node_modules; optional peers not
# installed for us. The store lives in the scratch dir.
cat > .npmrc <<'INI'
node-linker=isolated
hoist=false
shamefully-hoist=false
public-hoist-pattern=
auto-install-peers=false
strict-peer-dependencies=false
INI
# npx runs from outside the project, or npm warns about each pnpm setting of its .npmrc.
pnpm=(npx --prefix "$work" --yes pnpm@9 --dir "$work/pnpm")
started=$SECONDS
cd "$work"
"${pnpm[@]}" add --save-dev --store-dir "$work/.pnpm-store" --prefer-offline --ignore-scripts --reporter=silent \
  jest@29 @jest/globals@29 typescript@5.9 @types/node@20 "$tarball"
echo "compat: pnpm $("${pnpm[@]}" --version), install $((SECONDS - started)) s; linked into expect-voice: $(ls pnpm/node_modules/expect-voice/../ | tr '\n' ' ')"
cd "$work/pnpm"
cat > jest-types.ts <<'TS'
import { expect, test } from '@jest/globals'
import { useVoiceAgent } from 'expect-voice/jest'

const voice = useVoiceAgent({ fake: true })
test('the voice matchers are on @jest/globals expect', async () => {
  await expect(voice.agent).toSay('x')
  await expect(voice.agent).not.toRespondWithin(800)
  // @ts-expect-error toSay takes a string or a RegExp
  await expect(voice.agent).toSay(42)
})
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
  "skipLibCheck": false, "noEmit": true, "types": ["node"] }, "files": ["jest-types.ts"] }
JSON
started=$SECONDS
node node_modules/typescript/bin/tsc -p .
echo "compat: tsc (Jest 29 types under pnpm without hoisting, skipLibCheck: false) $((SECONDS - started)) s"
mkdir -p jest && cp "$root/examples/jest/booking.test.cjs" jest/
node node_modules/jest/bin/jest.js --ci --testMatch '**/jest/*.test.cjs'
echo "compat: Jest 29 under pnpm without hoisting: types OK, example passed"
