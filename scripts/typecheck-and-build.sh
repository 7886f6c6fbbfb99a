#!/usr/bin/env bash
# `npm test`'s first half: the type check and the build are independent and single-threaded, so on two cores they
# run side by side. Fails when either fails, with both outputs.
set -u
cd "$(dirname "$0")/.."
npm run --silent typecheck &
typecheck=$!
npm run --silent build > /tmp/expect-voice-build.$$.log 2>&1 &
build=$!
wait $typecheck
t=$?
wait $build
b=$?
if [ $b -ne 0 ]; then cat /tmp/expect-voice-build.$$.log; echo "build failed"; fi
rm -f /tmp/expect-voice-build.$$.log
[ $t -ne 0 ] && echo "typecheck failed"
exit $(( t != 0 || b != 0 ))
