/**
 * Leaks (issue #7, item 5). Every test file is checked by test/helpers/leak-check.ts (setupFiles); here:
 *
 * 1. Per fault: after each scenario (adapter disconnected, server closed), the process holds exactly the sockets,
 *    servers and timers it held before, so a leak is pinned to the fault that caused it.
 * 2. The process exits on its own: every fault, bundled with esbuild and run by plain `node`, which prints "done"
 *    and never calls process.exit. A leaked socket or timer would keep it alive.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { build, stop as stopEsbuild } from 'esbuild'
import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { createFakeRealtimeServer, OpenAIRealtimeAdapter, type FakeRealtimeServerOptions } from '../../src/index.js'
import { speech } from '../helpers/builders.js'
import { REPO_ROOT } from '../helpers/child-vitest.js'
import { trackResources } from '../helpers/leak-check.js'
import { startRawServer } from '../helpers/raw-ws-server.js'

const KEY = 'sk-test-leaks-000000000000000000'

type Scenario = [
  name: string,
  server: FakeRealtimeServerOptions | 'raw-silent' | 'raw-garbage' | null,
  body: (agent: OpenAIRealtimeAdapter) => Promise<unknown>,
]

const turn = async (agent: OpenAIRealtimeAdapter) => {
  await agent.connect()
  await agent.sendAudio(speech('book a table'))
}
const drain = async (agent: OpenAIRealtimeAdapter) => {
  for (;;) if ((await agent.recvAudio(2000)) === null) return
}

const SCENARIOS: Scenario[] = [
  [
    'a conversation with every matcher',
    { reply: 'A long enough answer to interrupt.', paceMs: 10 },
    async (agent) => {
      await turn(agent)
      await expect(agent).toRespondWithin(5000)
      await expect(agent).toTranscribeAs('book a table')
      await expect(agent).toStopOnInterrupt()
    },
  ],
  ['server closes 1006 mid-response', { reply: 'A long enough answer.', faults: { closeAfterDeltas: { count: 1 } } }, async (a) => (await turn(a), drain(a))],
  [
    'server closes 1011 mid-response',
    { reply: 'A long enough answer.', faults: { closeAfterDeltas: { count: 1, code: 1011 } } },
    async (a) => (await turn(a), drain(a)),
  ],
  ['error event on response.create', { faults: { errorOnResponseCreate: { type: 'server_error', message: 'x' } } }, async (a) => (await turn(a), drain(a))],
  ['response failed', { faults: { responseStatus: 'failed' } }, async (a) => (await turn(a), drain(a))],
  ['malformed frames', { faults: { malformedFrames: true } }, async (a) => (await turn(a), drain(a))],
  ['handshake 429', { rejectHandshake: { status: 429 } }, (a) => a.connect()],
  ['session refused (wrong key)', { apiKey: 'sk-another-key-000000000000000000' }, (a) => a.connect()],
  ['server never answers (connect timeout)', { faults: { neverAnswer: true } }, (a) => a.connect()],
  ['upgrade never answered (raw TCP)', 'raw-silent', (a) => a.connect()],
  ['garbage instead of HTTP (raw TCP)', 'raw-garbage', (a) => a.connect()],
  ['nothing listening', null, (a) => a.connect()],
  ['recvAudio timeout', { latencyMs: 5000 }, async (a) => (await turn(a), a.recvAudio(50))],
  [
    'matcher timeouts',
    { latencyMs: 5000, transcriptionDelayMs: 5000 },
    async (agent) => {
      await turn(agent)
      await expect(agent).toTranscribeAs('x', { timeout: 50 })
    },
  ],
  [
    'disconnect during connect',
    { faults: { sessionUpdateDelayMs: 5000 } },
    async (agent) => {
      const connecting = agent.connect()
      await new Promise((r) => setTimeout(r, 20))
      await agent.disconnect()
      return connecting
    },
  ],
  [
    'disconnect while recvAudio waits',
    { latencyMs: 5000 },
    async (agent) => {
      await turn(agent)
      const waiting = agent.recvAudio(10_000)
      waiting.catch(() => {}) // it rejects during disconnect(), before it is returned
      await agent.disconnect()
      return waiting
    },
  ],
  [
    'the judge and the transcriber answer',
    { reply: 'Booked for two.', paceMs: 0, judge: () => true },
    async (agent) => {
      await turn(agent)
      await expect(agent).toFulfill('books for two')
      await expect(agent).toSoundLikeItsTranscript()
    },
  ],
  [
    'a judge slower than its timeout, a transcriber that cannot be reached',
    { reply: 'Booked.', paceMs: 0, judge: () => true, faults: { http: { delayMs: 3000, endpoint: 'responses' } } },
    async (agent) => {
      await turn(agent)
      await expect(agent)
        .toFulfill('books', { timeout: 50 })
        .catch(() => {})
      await expect(agent)
        .toSoundLikeItsTranscript({ baseURL: 'http://127.0.0.1:9/v1' })
        .catch(() => {})
    },
  ],
]

describe('per fault: nothing left open once the adapter is disconnected and the server closed', () => {
  it.each(SCENARIOS)('%s', async (name, server, body) => {
    const tracking = trackResources()
    const raw =
      server === 'raw-silent' || server === 'raw-garbage'
        ? await startRawServer(async (c) => {
            await c.request
            if (server === 'raw-garbage') c.write('garbage\r\n\r\n')
          })
        : null
    const fake = server && !raw ? await createFakeRealtimeServer(server as FakeRealtimeServerOptions) : null
    const url = raw?.url ?? fake?.url ?? 'ws://127.0.0.1:9/v1/realtime'
    // Default timeouts (10 s) unless the fault needs one to expire: a timer left running must show, not expire.
    const short = /never answer|upgrade never/.test(name)
    const agent = new OpenAIRealtimeAdapter({ url, apiKey: KEY, ...(short ? { connectTimeoutMs: 200 } : {}) })
    try {
      await body(agent).catch(() => {})
    } finally {
      await agent.disconnect()
      await fake?.close()
      await raw?.close()
    }
    expect(await tracking.stop()).toEqual([])
  })
})

describe('the process exits on its own', () => {
  it('after every fault, plain node exits without process.exit, right after its last line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'expect-voice-exit-'))
    try {
      const outfile = join(dir, 'exit-scenario.mjs')
      await build({
        entryPoints: [join(REPO_ROOT, 'test/hardening/fixtures/exit-scenario.ts')],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'silent',
        // ws' optional native add-ons
        external: ['bufferutil', 'utf-8-validate'],
        // the bundled CommonJS (ws) requires node built-ins
        banner: { js: "import { createRequire as __hardeningCreateRequire } from 'node:module'; const require = __hardeningCreateRequire(import.meta.url);" },
      })
      await stopEsbuild() // its service process must not outlive the test file either
      // NODE_PATH: what the library loads lazily at run time (ws) resolves from the repository
      const child = spawn(process.execPath, [outfile], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') },
      })
      let stdout = ''
      let stderr = ''
      let doneAt: number | null = null
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        if (doneAt === null && /^done$/m.test(stdout)) doneAt = performance.now()
      })
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      let exitedAt = 0
      child.on('exit', () => (exitedAt = performance.now()))
      // 'close' comes after 'exit' once stdout and stderr are drained: all output is in
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
      clearTimeout(killer)
      expect(stderr).toBe('')
      expect(code, `exit code; output:\n${stdout}`).toBe(0)
      expect(doneAt, `never printed done:\n${stdout}`).not.toBeNull()
      // (the "done" chunk may be read after 'exit' when this process is busy: then the linger counts as 0)
      const lingerMs = Math.max(0, exitedAt - doneAt!)
      // Every fault really happened (and ended as expected)...
      expect(stdout).toMatch(/conversation \+ all matchers: ok pass=true/)
      expect(stdout).toMatch(/matcher timeouts: ok pass=false/) // a matcher that times out fails; it does not throw
      expect(stdout).toMatch(/close 1006 mid-response: RealtimeConnectionClosedError/)
      expect(stdout).toMatch(/error event: RealtimeServerError/)
      expect(stdout).toMatch(/never answers \(connect timeout\): RealtimeTimeoutError/)
      expect(stdout).toMatch(/handshake 401: RealtimeHandshakeError/)
      expect(stdout).toMatch(/nothing listening: ExpectVoiceError/)
      expect(stdout).toMatch(/recvAudio timeout: RealtimeTimeoutError/)
      expect(stdout).toMatch(/disconnect during connect: RealtimeConnectionClosedError/)
      expect(stdout).toMatch(/disconnect while waiting: RealtimeConnectionClosedError/)
      expect(stdout).toMatch(/garbage answer: ExpectVoiceError/)
      expect(stdout).toMatch(/401 body never ends: RealtimeHandshakeError/)
      // ...and then nothing kept node alive: it exited as soon as its last line ran.
      expect(stdout).toMatch(/active after: \[\]/)
      expect(lingerMs).toBeLessThan(1000)
      if (process.env.HARDENING_REPORT) console.log(`exit: node exited ${Math.round(lingerMs)} ms after its last line\n${stdout}`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
