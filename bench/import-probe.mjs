/**
 * §4 Import cost, ESM: a fresh process times `await import(<specifier>)` (default 'expect-voice') and reports over
 * IPC only, so anything on stdout/stderr came from the import itself.
 */
import { performance } from 'node:perf_hooks'

const specifier = process.argv[2] ?? 'expect-voice'
const t0 = performance.now()
await import(specifier)
const ms = performance.now() - t0
process.send({ result: { specifier, ms, sinceProcessStartMs: performance.now() } }, () => process.disconnect())
