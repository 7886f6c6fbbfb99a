/**
 * Secrets (issue #7, item 4): a canary API key never appears in anything the library prints or writes.
 *
 * 1. In process: every error type, `inspect`, `JSON.stringify`, the timeline, transcripts and reports, with
 *    servers that echo the key back in every field they can.
 * 2. A whole child Vitest run (test/hardening/fixtures/secrets.voice.ts) with the canary as OPENAI_API_KEY and
 *    as every adapter's key, passing and failing tests, snapshots, recordings and failure artifacts: its stdout
 *    and stderr, its JSON and JUnit reports, and every file written during it (its output dir, its temp dir,
 *    `.voice-artifacts/`, `__recordings__/`, `.vitest-attachments/`, and any other file of the repository
 *    modified meanwhile) are scanned for the key, its random part and its base64 and hex encodings.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { OpenAIRealtimeAdapter, type OpenAIRealtimeAdapterOptions } from '../../src/adapter/index.js'
import { createFakeRealtimeServer, type FakeRealtimeServerOptions } from '../../src/fake-server/index.js'
import { conversationReport } from '../../src/reports/conversation-report.js'
import { formatTranscript, transcriptSerializer } from '../../src/conversation/transcript-serializer.js'
import { runHardeningChild, REPO_ROOT } from '../helpers/child-vitest.js'
import { stripAnsi } from '../helpers/voice.js'

const canary = () => `sk-canary-${randomBytes(16).toString('hex')}`

/** The key, its random part, and the key as it would look base64- or hex-encoded at any byte alignment. */
function needles(key: string): Array<{ name: string; text: string }> {
  const out = [
    { name: 'the key', text: key },
    { name: 'its random part', text: key.slice('sk-canary-'.length) },
    { name: 'hex', text: Buffer.from(key).toString('hex') },
  ]
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.from('x'.repeat(pad) + key).toString('base64')
    out.push({ name: `base64 (offset ${pad})`, text: b64.slice(Math.ceil((pad * 4) / 3) + 1, -4) })
  }
  return out
}

/** Where any needle occurs in `text`; the context is shown with the key masked. */
function findLeaks(where: string, text: string, key: string): string[] {
  const hits: string[] = []
  for (const n of needles(key)) {
    let i = text.indexOf(n.text)
    while (i >= 0) {
      const context = text.slice(Math.max(0, i - 60), i + n.text.length + 60).split(n.text).join('<CANARY>')
      hits.push(`${where}: ${n.name} at ${i}: …${JSON.stringify(context)}…`)
      i = text.indexOf(n.text, i + 1)
    }
  }
  return hits
}

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function setup(key: string, server: FakeRealtimeServerOptions, adapter: OpenAIRealtimeAdapterOptions = {}) {
  const fake = await createFakeRealtimeServer(server)
  cleanups.push(() => fake.close())
  const agent = new OpenAIRealtimeAdapter({ url: fake.url, apiKey: key, connectTimeoutMs: 2000, ...adapter })
  cleanups.push(() => agent.disconnect())
  return { fake, agent }
}

/** Every way an error can be printed. */
const errorSurfaces = (err: unknown): string[] => [
  String(err),
  (err as Error).stack ?? '',
  inspect(err, { showHidden: true, depth: Infinity }),
  JSON.stringify(err),
  JSON.stringify(Object.entries(err as object)),
]

describe('in process: no surface shows the key, even when the server echoes it', () => {
  it('errors: server error events, handshake bodies (JSON and plain text), close reasons, refusals, connect failures', async () => {
    const key = canary()
    const echo = `${key} / Bearer ${key}`
    const leaks: string[] = []
    const surfaces: Array<[string, unknown]> = []

    const e1 = await setup(key, { faults: { errorOnResponseCreate: { type: 'invalid_request_error', code: 'echo', message: `bad ${echo}`, param: key } } })
    await e1.agent.connect()
    await e1.agent.sendText('hi')
    surfaces.push(['server error event', await e1.agent.recvAudio(2000).catch((e: unknown) => e)])
    surfaces.push(['agent.errors', e1.agent.errors])

    for (const body of [JSON.stringify({ error: { message: `no ${echo}` } }), `Bad Request\nauthorization: Bearer ${key}\n`, JSON.stringify({ message: key })]) {
      const e2 = await setup(key, { rejectHandshake: { status: 401, body } })
      surfaces.push(['handshake body', await e2.agent.connect().catch((e: unknown) => e)])
    }

    const e3 = await setup(key, { apiKey: 'sk-some-other-key-000000000000000000' })
    surfaces.push(['session refused', await e3.agent.connect().catch((e: unknown) => e)])

    const e4 = await setup(key, { reply: 'a reply long enough to take a while to stream', paceMs: 20 })
    await e4.agent.connect()
    await e4.agent.sendText('hi')
    await e4.agent.recvAudio(2000)
    e4.fake.connections[0]!.close(4000, `bye ${key}`)
    surfaces.push(['close reason', await e4.agent.recvAudio(2000).catch((e: unknown) => e)])
    surfaces.push(['closeInfo', e4.agent.closeInfo])
    surfaces.push(['call after close', await e4.agent.sendText('x').catch((e: unknown) => e)])

    const e5 = new OpenAIRealtimeAdapter({ url: 'ws://127.0.0.1:9/v1/realtime', apiKey: key })
    surfaces.push(['could not connect', await e5.connect().catch((e: unknown) => e)])

    for (const [where, value] of surfaces) {
      expect(value, where).toBeDefined()
      const texts = value instanceof Error ? errorSurfaces(value) : [inspect(value, { depth: Infinity }), JSON.stringify(value) ?? '']
      for (const t of texts) leaks.push(...findLeaks(where, t, key))
    }
    expect(leaks).toEqual([])
    // The echoes did happen, and were redacted (not merely absent).
    expect(String(surfaces[0]![1])).toContain('[redacted]')
    expect(String(surfaces[2]![1])).toContain('[redacted]')
  })

  it('credentials given as headers (Azure api-key, a custom Authorization) are redacted like the key', async () => {
    const key = canary()
    const { agent } = await setup(
      'unused',
      { rejectHandshake: { status: 403, body: JSON.stringify({ error: { message: `key ${key} is not allowed here` } }) } },
      { apiKey: undefined, headers: { 'api-key': key } },
    )
    const err = await agent.connect().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(errorSurfaces(err).flatMap((t) => findLeaks('api-key echo', t, key))).toEqual([])
    expect(String(err)).toContain('[redacted]')
  })

  it('the adapter, its timeline, transcript, snapshot, conversation report and matcher failures', async () => {
    const key = canary()
    const { agent, fake } = await setup(key, { apiKey: key, reply: `Here it is: ${key}.`, paceMs: 1 })
    await agent.connect()
    await agent.sendText('tell me my key')
    const failure = await expect(agent)
      .toSay('something else')
      .then(
        () => 'passed',
        (e: Error) => stripAnsi(e.message),
      )
    const notFailure = await expect(agent)
      .not.toSay(/Here it is/)
      .then(
        () => 'passed',
        (e: Error) => stripAnsi(e.message),
      )
    const texts: Array<[string, string]> = [
      ['inspect(agent)', inspect(agent, { showHidden: true, depth: Infinity, getters: true })],
      ['JSON.stringify(agent)', JSON.stringify(agent)],
      ['timeline', JSON.stringify(agent.timeline)],
      ['transcript', formatTranscript(agent.transcript)],
      ['snapshot', transcriptSerializer.serialize(agent.transcript)],
      ['conversation report', conversationReport(agent)],
      ['toSay failure', failure],
      ['not.toSay failure', notFailure],
      ['fake connection', inspect(fake.connections[0], { depth: Infinity }) + JSON.stringify(fake.connections[0])],
    ]
    expect(failure).toMatch(/^expect\(agent\)\.toSay/)
    expect(notFailure).toMatch(/^expect\(agent\)\.not\.toSay/)
    expect(texts.flatMap(([where, t]) => findLeaks(where, t, key))).toEqual([])
  })
})

async function walk(dir: string, skip: (path: string) => boolean = () => false): Promise<string[]> {
  const out: string[] = []
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return out
  }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (skip(p)) continue
    if (e.isDirectory()) out.push(...(await walk(p, skip)))
    else if (e.isFile()) out.push(p)
  }
  return out
}

describe('a whole child Vitest run with the canary key', () => {
  it('prints and writes the key nowhere: output, reports, snapshots, recordings, artifacts, temp files', async () => {
    const key = canary()
    const out = await mkdtemp(join(tmpdir(), 'expect-voice-secrets-'))
    try {
      const tmp = join(out, 'tmp')
      await import('node:fs/promises').then((fs) => fs.mkdir(tmp))
      const started = Date.now() - 1000
      const run = await runHardeningChild(['secrets.voice.ts'], out, {
        HARDENING_CANARY: key,
        OPENAI_API_KEY: key,
        TMPDIR: tmp,
        TMP: tmp,
        TEMP: tmp,
        EXPECT_VOICE_ARTIFACTS: 'always',
        EXPECT_VOICE_ARTIFACTS_DIR: join(out, 'artifacts'),
      })
      const output = run.stdout + run.stderr

      // The run did what it is meant to: the key was accepted, every scenario ran and printed.
      const results = run.report.testResults.flatMap((f) => f.assertionResults)
      const state = Object.fromEntries(results.map((t) => [t.title, t.status]))
      expect(state['passes, snapshots the transcript and logs the adapter'], output.slice(-3000)).toBe('passed')
      expect(state['fails a matcher (failure message, conversation report, artifacts)']).toBe('failed')
      expect(state['a handshake rejected with a body echoing the key and the Authorization header']).toBe('failed')
      expect(results.length).toBeGreaterThanOrEqual(14)
      expect(output).toContain('[redacted]')

      // Everything written: the run's own dir (reports, snapshots, attachments, artifacts, temp files) and any
      // file of the repository written while it ran (recordings next to tests, .voice-artifacts, ...).
      const ownFiles = await walk(out)
      const repoFiles: string[] = []
      for (const f of await walk(REPO_ROOT, (p) => /[/\\](node_modules|\.git)$/.test(p))) {
        const s = await stat(f).catch(() => null)
        if (s && s.mtimeMs >= started) repoFiles.push(f)
      }
      // the child's own cache (its root is test/hardening/fixtures): Vite/Vitest caches live in its node_modules
      for (const f of await walk(join(REPO_ROOT, 'test/hardening/fixtures/node_modules'))) if (!repoFiles.includes(f)) repoFiles.push(f)
      for (const special of ['.voice-artifacts', '__recordings__', '.vitest-attachments']) {
        for (const f of await walk(REPO_ROOT, (p) => /[/\\](node_modules|\.git)$/.test(p))) {
          if (f.includes(`/${special}/`) && !repoFiles.includes(f)) repoFiles.push(f)
        }
      }
      const leaks = findLeaks('stdout+stderr', output, key)
      for (const f of [...ownFiles, ...repoFiles]) leaks.push(...findLeaks(relative(REPO_ROOT, f) || f, (await readFile(f)).toString('latin1'), key))
      expect(leaks).toEqual([])

      // What was scanned (so a green run is not an empty one).
      const kinds = {
        reports: ownFiles.filter((f) => /report\.json|junit\.xml/.test(f)).length,
        snapshots: ownFiles.filter((f) => f.endsWith('.snap')).length,
        other: ownFiles.length + repoFiles.length,
      }
      expect(kinds.reports).toBe(2)
      expect(kinds.snapshots).toBe(1)
      if (process.env.HARDENING_REPORT) {
        console.log(
          `secrets: ${results.length} child tests in ${Math.round(run.ms)} ms; scanned ${output.length} chars of output and ` +
            `${ownFiles.length + repoFiles.length} files (${ownFiles.map((f) => relative(out, f)).join(', ')}; repo: ${repoFiles.map((f) => relative(REPO_ROOT, f)).join(', ')})`,
        )
      }
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  }, 90_000)
})
