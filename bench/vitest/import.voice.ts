// §4 Import cost of 'expect-voice/vitest' in a fresh Vitest worker (the only place it can be imported: it extends
// Vitest's `test`). Vitest itself is already loaded here, as it is for every test file. Anything the import prints
// (stdout, stderr, console) is captured and reported. Results go to the file named by BENCH_OUT.
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { test } from 'vitest'

const printed: string[] = []
const capture = (chunk: unknown) => {
  printed.push(String(chunk))
  return true
}
const saved = {
  out: process.stdout.write,
  err: process.stderr.write,
  console: { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug },
}
process.stdout.write = capture as typeof process.stdout.write
process.stderr.write = capture as typeof process.stderr.write
for (const name of Object.keys(saved.console) as Array<keyof typeof saved.console>) console[name] = (...args: unknown[]) => capture(args.join(' '))

const t0 = performance.now()
await import('expect-voice/vitest')
const ms = performance.now() - t0

process.stdout.write = saved.out
process.stderr.write = saved.err
Object.assign(console, saved.console)
writeFileSync(process.env.BENCH_OUT!, JSON.stringify({ ms, printed: printed.join('') }))

test('expect-voice/vitest imported', () => {})
