#!/usr/bin/env bash
# Runs each argument as a command, all at once, and prints their outputs one after the other once all are done
# (each under a heading). Fails when any fails, naming it. For `npm test`'s independent steps: on two cores, steps
# that wait on child processes and I/O overlap well.
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
pids=()
for i in $(seq 1 $#); do
  cmd="${!i}"
  bash -c "$cmd" >"$dir/$i.out" 2>&1 &
  pids+=($!)
done
failed=()
for i in $(seq 1 $#); do
  cmd="${!i}"
  wait "${pids[$((i - 1))]}"
  status=$?
  echo "── $cmd"
  cat "$dir/$i.out"
  [ $status -ne 0 ] && failed+=("$cmd (exit $status)")
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}"
  exit 1
fi
