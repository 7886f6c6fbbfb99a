/**
 * §4 Import cost, CommonJS: a fresh process times `require(<specifier>)` (default 'expect-voice') and reports over
 * IPC only, so anything on stdout/stderr came from the require itself.
 */
const { performance } = require('node:perf_hooks')

const specifier = process.argv[2] || 'expect-voice'
const t0 = performance.now()
require(specifier)
const ms = performance.now() - t0
process.send({ result: { specifier, ms, sinceProcessStartMs: performance.now() } }, () => process.disconnect())
