/**
 * Setup file (vitest.config.ts `setupFiles`): after each test file, no socket, server, timer or child process it
 * opened may still be open. Compares `process.getActiveResourcesInfo()` at the end of the file with its start,
 * after giving closes in flight up to 2 s to finish, and fails the file naming what was left.
 * Set EXPECT_VOICE_LEAK_CHECK=0 to turn it off while debugging.
 */
import { createHook } from 'node:async_hooks'
import { aroundAll } from 'vitest'

/** Resources that keep a process alive and that tests create: sockets, servers, timers, child processes. */
const WATCHED = new Set(['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'UDPWrap', 'Timeout', 'Immediate', 'ProcessWrap'])

export function watchedResources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of process.getActiveResourcesInfo()) if (WATCHED.has(r)) counts.set(r, (counts.get(r) ?? 0) + 1)
  return counts
}

/** Resources above `baseline`, as `TCPSocketWrap ×2`; empty when none. */
export function excess(baseline: Map<string, number>, now = watchedResources()): string[] {
  const out: string[] = []
  for (const [kind, n] of now) {
    const extra = n - (baseline.get(kind) ?? 0)
    if (extra > 0) out.push(extra > 1 ? `${kind} ×${extra}` : kind)
  }
  return out
}

/** Waits up to `timeoutMs` for the watched resources to come back to `baseline`; returns what is still above it. */
export async function settledExcess(baseline: Map<string, number>, timeoutMs = 2000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs
  let extra = excess(baseline)
  while (extra.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10))
    extra = excess(baseline)
  }
  return extra
}

if (process.env.EXPECT_VOICE_LEAK_CHECK !== '0') {
  // aroundAll, not afterAll: file-scoped fixtures (e.g. the `fakeServer` of `fakeTest`) are torn down after the
  // afterAll hooks, and must be closed by the time this looks.
  aroundAll(async (runSuite) => {
    const baseline = watchedResources()
    await runSuite()
    const left = await settledExcess(baseline)
    if (left.length) {
      throw new Error(
        `leak check: this test file left ${left.join(', ')} open after its last test (active: ${process.getActiveResourcesInfo().join(', ')}). ` +
          'Close every server, adapter and timer it opened: voiceAgent / fakeServer / testAdapter (test/helpers/voice.ts) ' +
          'close theirs when the test finishes; close anything else with onTestFinished or afterAll.',
      )
    }
  })
}

/**
 * Precise tracking for one piece of code: every socket, server, timer and child process created between the call
 * and `stop()`, still open and keeping the process alive when `stop()` has waited up to `timeoutMs`, is a leak,
 * named with where it was created. (Uses async_hooks: fine for a scenario, too slow to leave on for whole files.)
 */
export function trackResources(): { stop(timeoutMs?: number): Promise<string[]> } {
  const TRACKED = new Set(['Timeout', 'Immediate', 'TCPWRAP', 'TCPSERVERWRAP', 'TLSWRAP', 'UDPWRAP', 'PROCESSWRAP'])
  const live = new Map<number, { type: string; resource: { hasRef?: () => boolean }; stack: string }>()
  let recording = true
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (recording && TRACKED.has(type)) live.set(id, { type, resource: resource as { hasRef?: () => boolean }, stack: new Error().stack ?? '' })
    },
    destroy(id) {
      live.delete(id)
    },
  }).enable()
  const ours = (stack: string) => /[/\\](src|test)[/\\]|node_modules[/\\]ws[/\\]/.test(stack.replace(/.*leak-check\.ts.*\n?/g, ''))
  const leaks = () => [...live.values()].filter((r) => ours(r.stack) && (typeof r.resource.hasRef === 'function' ? r.resource.hasRef() : true))
  return {
    async stop(timeoutMs = 2000) {
      recording = false
      const deadline = Date.now() + timeoutMs
      while (leaks().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
      const left = leaks().map((r) => {
        const frame = r.stack.split('\n').find((l) => /[/\\](src|test)[/\\]/.test(l) && !l.includes('leak-check.ts')) ?? ''
        return `${r.type} created ${frame.trim()}`
      })
      hook.disable()
      return left
    },
  }
}
