#!/usr/bin/env bash
# `npm test`'s first half: the type check and the build are independent and single-threaded, so on two cores they
# run side by side. The build's log (tsup's progress and Rollup's warnings) is shown only when it fails.
set -u
cd "$(dirname "$0")/.."
exec scripts/side-by-side.sh 'npm run --silent typecheck' \
  'log="$(mktemp)"; npm run --silent build >"$log" 2>&1; status=$?; [ $status -ne 0 ] && { cat "$log"; echo "build failed"; }; rm -f "$log"; exit $status'
