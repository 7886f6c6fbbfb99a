#!/usr/bin/env bash
# Compatibility run for the peer range we claim beyond this repo's own Vitest 4 / Node 20:
# Vitest 5 needs Node >= 22.12, which comes from the npm registry (`node@22`). Installs the packed package into a
# scratch consumer project, then runs the Vitest example offline, a deliberately failing file (the failure message
# and the un-awaited-matcher check must appear) and a type check against Vitest 5's types with `skipLibCheck: false`
# (TS2428 on the matchers' augmentation once), including a user's own `base.extend(fakeVoiceFixtures).extend({ db })`
# (TS2769 once; the file is scripts/package-check.mjs's, which checks it under Vitest 4).
# COMPAT_BREAK=NAME undoes one of the type fixes in the installed copy first (see BREAKS in scripts/package-check.mjs):
# the run must then fail.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
[ -f dist/index.js ] || npm run build >/dev/null
npm pack --silent --pack-destination "$work" >/dev/null
cd "$work"
npm init -y >/dev/null && npm pkg set type=module >/dev/null
npm install --silent --no-audit --no-fund --save-dev node@22 vitest@5 vite@7 typescript@5.9 @types/node@22 >/dev/null 2>&1
npm install --silent --no-audit --no-fund --save-dev ./expect-voice-*.tgz >/dev/null 2>&1
if [ -n "${COMPAT_BREAK:-}" ]; then
  node "$root/scripts/package-check.mjs" "--apply-break=$COMPAT_BREAK:$work/node_modules/expect-voice"
  echo "compat: COMPAT_BREAK=$COMPAT_BREAK: fix undone in the installed copy; this run must fail"
fi
export PATH="$work/node_modules/.bin:$PATH"
echo "compat: node $(node --version), vitest $(node -p "require('vitest/package.json').version")"
cp "$root/examples/vitest/booking.test.ts" booking.test.ts
cat > fails.test.ts <<'TS'
import { fakeTest, expect } from 'expect-voice/vitest'
const test = fakeTest.override({ fakeServerOptions: { reply: 'Sorry, your table is cancelled.' } })
test('wrong answer', async ({ agent }) => {
  await agent.sendText('book a table')
  await expect(agent).toSay('table for 2 is booked')
})
test('not awaited', async ({ agent }) => {
  await agent.sendText('book a table')
  void expect(agent).toSay('table is cancelled')
})
TS
node "$root/scripts/package-check.mjs" --print=vitest-fixtures.ts > vitest-fixtures.ts
# skipLibCheck: false, so a conflicting augmentation of Vitest's declarations is an error, not silence.
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
  "skipLibCheck": false, "noEmit": true, "types": ["node"] }, "include": ["*.ts"] }
JSON
node node_modules/vitest/vitest.mjs run booking.test.ts
# The run report's reporter: testCase.meta() carries the measurements on Vitest 5 too, and an exceeded budget fails
# the run although the tests pass.
node node_modules/vitest/vitest.mjs run booking.test.ts --reporter=default --reporter=expect-voice/reporter
node -e "const r = require('./voice-report/voice-report.json'); if (r.tests.length < 2 || !r.tests.every((t) => t.attempts[0].turns.length > 0 && t.attempts[0].turns[0].firstAudioMs > 0)) { console.log(JSON.stringify(r, null, 1)); process.exit(1) }"
set +e
EXPECT_VOICE_BUDGETS='{"firstAudio":{"p95":1}}' node node_modules/vitest/vitest.mjs run booking.test.ts --reporter=expect-voice/reporter >/dev/null 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || { echo "compat: an exceeded voice budget did not fail the Vitest 5 run"; exit 1; }
echo "compat: Vitest 5: run report written, an exceeded budget fails the run"
set +e
out="$(NO_COLOR=1 node node_modules/vitest/vitest.mjs run fails.test.ts 2>&1)"
code=$?
set -e
grep -q 'Expected: the agent to say "table for 2 is booked"' <<<"$out" || { echo "$out"; echo "compat: failure message missing"; exit 1; }
grep -q 'expect(agent).toSay() was still running when the test ended' <<<"$out" || { echo "$out"; echo "compat: un-awaited check missing"; exit 1; }
if grep -q 'Unhandled' <<<"$out"; then echo "$out"; echo "compat: unhandled error"; exit 1; fi
[ "$code" -ne 0 ] || { echo "compat: the failing file passed"; exit 1; }
started=$SECONDS
node node_modules/typescript/bin/tsc -p .
echo "compat: tsc (Vitest 5 types, skipLibCheck: false) $((SECONDS - started)) s"
echo "compat: Vitest 5 on Node 22: example passed, failures reported as expected, types OK (skipLibCheck: false, own fixtures composed)"
# The same consumer file against this repo's Vitest 4 with skipLibCheck: false (too slow for `npm test`'s package check).
cd "$root"
node scripts/package-check.mjs --lib-check ${COMPAT_BREAK:+"--break=$COMPAT_BREAK"}
