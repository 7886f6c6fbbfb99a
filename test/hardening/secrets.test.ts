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
import type { Dirent } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { performance } from 'node:perf_hooks'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { conversationReport, createVoiceUser, formatTranscript, OpenAIRealtimeAdapter, transcriptSerializer } from '../../src/index.js'
import { runHardeningChild, REPO_ROOT } from '../helpers/child-vitest.js'
import { speech, stripAnsi, voiceAgent } from '../helpers/voice.js'
import { createRedactor, REDACTED, redactorOf, redactSecrets } from '../../src/secrets/redact.js'
import { layoutConversation } from '../../src/reports/layout.js'
import { renderTimelineSvg } from '../../src/reports/timeline-svg.js'
import { writeConversationRecording } from '../../src/reports/conversation-recording.js'
import { tokenize } from '../../src/text/normalize.js'
import { formatAlignment } from '../../src/text/format-alignment.js'
import { wordErrorRate } from '../../src/text/word-error-rate.js'
import { observe } from '../../src/adapter/observe.js'
import { redactorFor } from '../../src/secrets/redact.js'
import { measureAttempt } from '../../src/run-report/measure.js'
import { buildVoiceReport, writeVoiceReport } from '../../src/run-report/index.js'

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
      const context = text
        .slice(Math.max(0, i - 60), i + n.text.length + 60)
        .split(n.text)
        .join('<CANARY>')
      hits.push(`${where}: ${n.name} at ${i}: …${JSON.stringify(context)}…`)
      i = text.indexOf(n.text, i + 1)
    }
  }
  return hits
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

    const e1 = await voiceAgent(
      { faults: { errorOnResponseCreate: { type: 'invalid_request_error', code: 'echo', message: `bad ${echo}`, param: key } } },
      { apiKey: key, connectTimeoutMs: 2000, connect: false },
    )
    await e1.agent.connect()
    await e1.agent.sendText('hi')
    surfaces.push(['server error event', await e1.agent.recvAudio(2000).catch((e: unknown) => e)])
    surfaces.push(['agent.errors', e1.agent.errors])

    for (const body of [
      JSON.stringify({ error: { message: `no ${echo}` } }),
      `Bad Request\nauthorization: Bearer ${key}\n`,
      JSON.stringify({ message: key }),
    ]) {
      const e2 = await voiceAgent({ rejectHandshake: { status: 401, body } }, { apiKey: key, connectTimeoutMs: 2000, connect: false })
      surfaces.push(['handshake body', await e2.agent.connect().catch((e: unknown) => e)])
    }

    const e3 = await voiceAgent({ apiKey: 'sk-some-other-key-000000000000000000' }, { apiKey: key, connectTimeoutMs: 2000, connect: false })
    surfaces.push(['session refused', await e3.agent.connect().catch((e: unknown) => e)])

    const e4 = await voiceAgent({ reply: 'a reply long enough to take a while to stream', paceMs: 20 }, { apiKey: key, connectTimeoutMs: 2000, connect: false })
    await e4.agent.connect()
    await e4.agent.sendText('hi')
    await e4.agent.recvAudio(2000)
    e4.server.connections[0]!.close(4000, `bye ${key}`)
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
    const { agent } = await voiceAgent(
      { rejectHandshake: { status: 403, body: JSON.stringify({ error: { message: `key ${key} is not allowed here` } }) } },
      { apiKey: undefined, headers: { 'api-key': key }, connectTimeoutMs: 2000, connect: false },
    )
    const err = await agent.connect().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(errorSurfaces(err).flatMap((t) => findLeaks('api-key echo', t, key))).toEqual([])
    expect(String(err)).toContain('[redacted]')
  })

  it('the adapter, its timeline, transcript, snapshot, conversation report and matcher failures', async () => {
    const key = canary()
    const { agent, server } = await voiceAgent(
      { apiKey: key, reply: `Here it is: ${key}.`, paceMs: 1 },
      { apiKey: key, connectTimeoutMs: 2000, connect: false },
    )
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
      ['fake connection', inspect(server.connections[0], { depth: Infinity }) + JSON.stringify(server.connections[0])],
    ]
    expect(failure).toMatch(/^expect\(agent\)\.toSay/)
    expect(notFailure).toMatch(/^expect\(agent\)\.not\.toSay/)
    expect(texts.flatMap(([where, t]) => findLeaks(where, t, key))).toEqual([])
  })

  it('barge-in failures and the caller in real conditions: the answer and what was heard quote the key, redacted', async () => {
    const key = canary()
    const { agent } = await voiceAgent(
      {
        apiKey: key,
        reply: ({ userText }) => (userText?.includes('eight') ? `Your key is ${key}.` : 'We are open from noon to eleven every day of the week.'),
      },
      { apiKey: key, turnDetection: { type: 'server_vad' } },
    )
    const user = createVoiceUser({ agent, voice: 'fake', conditions: { noise: { snrDb: 40 }, seed: 3 } })
    await user.say('when are you open')
    await user.pause(300)
    const failure = await expect(agent)
      .toYieldToCaller(() => user.say('make it eight'), { answers: /nine/ })
      .then(
        () => 'passed',
        (e: Error) => stripAnsi(e.message),
      )
    const keys = await user.pressKeys('1 2', { conditions: { phoneLine: true } })
    await user.disconnect()
    const texts: Array<[string, string]> = [
      ['toYieldToCaller failure', failure],
      ['transcript', formatTranscript(agent.transcript)],
      ['conversation report', conversationReport(agent)],
      ['pressKeys result', JSON.stringify(keys)],
      ['inspect(user)', inspect(user, { depth: Infinity })],
    ]
    expect(failure).toMatch(/^expect\(agent\)\.toYieldToCaller/)
    expect(failure).toContain('[redacted]')
    expect(texts.flatMap(([where, t]) => findLeaks(where, t, key))).toEqual([])
  })
})

async function walk(dir: string, skip: (path: string) => boolean = () => false): Promise<string[]> {
  const out: string[] = []
  let entries: Dirent[]
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
      // The judged recording was made (its verdict and transcription are in the scanned recording), and the
      // judge's and transcriber's failure messages quoting the key were printed.
      expect(state['records a conversation'], output.slice(-3000)).toBe('passed')
      expect(state['the judge echoes the key: toFulfill failure message']).toBe('failed')
      expect(state['the transcriber echoes the key: toSoundLikeItsTranscript failure message']).toBe('failed')
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

/*
 * Finding 2 (issue #11): key fragments. A live-API-style key (`sk-proj-` and a random part that `-` and `_` cut into
 * runs, some of 9 characters) and an Azure-style key (32 hex characters, sent as the `api-key` header) must not
 * appear in any form a message can take: whole, cut short, masked (`sk-proj-...L7mN`, `sk-proj-CANARYWG****L7mN`),
 * upper-cased, or split into the words a text normaliser makes.
 */
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
/** `n` random letters and digits, with at least one digit and one upper-case letter (so never a word). */
function randomRun(n: number): string {
  const bytes = randomBytes(n)
  const chars = [...bytes].map((b) => ALNUM[b % ALNUM.length]!)
  chars[0] = 'ABCDEFGHJKLMNPQRSTUVWXYZ'[bytes[0]! % 24]!
  chars[n - 1] = String(bytes[n - 1]! % 10)
  return chars.join('')
}
/** A key shaped like the live API's project keys: runs of 9, 12, 9, 20, 9 and 16 characters between `-` and `_`. */
const projectCanary = () =>
  `sk-proj-${[9, 12, 9, 20, 9, 16]
    .map(randomRun)
    .join('-')
    .replace(/-(?=[^-]*-[^-]*$)/, '_')}`
/** An Azure-style key: 32 hex characters, no `sk-` shape at all. */
const azureCanary = () => randomBytes(16).toString('hex')

/** The forms of `key` that must never appear, matched case-insensitively. */
function fragmentNeedles(key: string): Array<{ name: string; re: RegExp }> {
  const random = key.replace(/^sk-[a-z]+-/, '')
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const out = [
    { name: 'the key', re: new RegExp(esc(key), 'i') },
    { name: 'its first 8 characters', re: new RegExp(esc(random.slice(0, 8)), 'i') },
    { name: 'its last 4 characters after a mask', re: new RegExp(`(?:\\.{2,}|…|\\*{3,})${esc(random.slice(-4))}`, 'i') },
  ]
  for (const run of random.match(/[A-Za-z0-9]{8,}/g) ?? []) out.push({ name: `its run "${run.slice(0, 3)}…" (${run.length})`, re: new RegExp(esc(run), 'i') })
  return out
}

function findFragments(where: string, text: string, keys: string[]): string[] {
  const hits: string[] = []
  for (const key of keys) {
    for (const n of fragmentNeedles(key)) {
      const m = n.re.exec(text)
      if (m) hits.push(`${where}: ${n.name} at ${m.index}: …${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 40))}…`)
    }
  }
  return hits
}

/** Every form of the two keys a server, a model or a normaliser can produce. */
function echoes(key: string, hex: string): string[] {
  const random = key.slice('sk-proj-'.length)
  return [
    `Incorrect API key provided: sk-proj-...${random.slice(-4)}.`,
    `Incorrect API key provided: sk-proj-${random.slice(0, 8)}****${random.slice(-4)}.`,
    `key ${random.slice(0, 8)}…${random.slice(-4)} and ...${random.slice(-6)} and sk-proj-********${random.slice(-4)}`,
    `a prefix: ${key.slice(0, 20)}; the random part cut: ${random.slice(0, 20)}`,
    `upper-cased: ${key.toUpperCase()} and ${hex.toUpperCase()}`,
    `normalised: ${tokenize(`my key is ${key}`).join(' ')}`,
    `aligned: ${formatAlignment(wordErrorRate('my key is gone', `my key is ${key}`).alignment)}`,
    `azure: ${hex}, ${hex.slice(0, 8)}...${hex.slice(-4)}, ${hex.slice(0, 12)}, ${hex.slice(0, 8).toUpperCase()}****${hex.slice(-4).toUpperCase()}`,
    JSON.stringify({ error: { code: key.slice(0, 20), param: hex } }),
  ]
}

describe('finding 2 (key fragments in errors and artifacts): masked, partial, upper-cased and non-sk keys', () => {
  it('finding 2: redactSecrets removes every fragment of the known keys, and leaves ordinary words and ids alone', () => {
    const key = projectCanary()
    const hex = azureCanary()
    const text = echoes(key, hex).join('\n')
    const out = redactSecrets(text, [key, hex])
    expect(findFragments('redacted', out, [key, hex])).toEqual([])
    expect(out.split(REDACTED).length).toBeGreaterThan(15)

    const benign = [
      'resp_0001 item_abc event_0042 call_9f2 session.updated response.output_audio.delta',
      'conversation.item.input_audio_transcription.completed rate_limits.updated',
      'The password is required. Wait... what? Task-list, desk-lamp, and so on... sk-',
      'api-key: required; Bearer of bad news; 2026-12-01T14:01:17Z; 0123abcd',
    ].join('\n')
    expect(redactSecrets(benign, [key, hex, 'my-password-is-Tr0ub4dor&3'])).toBe(benign)
  })

  it('finding 2: createRedactor is built once and costs about a millisecond per 100 KB; adversarial text stays linear', () => {
    const key = projectCanary()
    const hex = azureCanary()
    const redact = createRedactor([key, hex, null, undefined])
    const prose = 'the agent said resp_0001 item_abc response.output_audio.delta: booked a table for two at 7:30 pm. '
    const text = prose.repeat(Math.ceil(100_000 / prose.length)).slice(0, 100_000)
    const mixed = `${text.slice(0, 50_000)} ${echoes(key, hex).join(' ')} ${text.slice(50_000)}`
    for (let i = 0; i < 5; i++) redact(mixed) // JIT warm-up
    const time = (t: string, runs: number) => {
      const started = performance.now()
      for (let i = 0; i < runs; i++) redact(t)
      return (performance.now() - started) / runs
    }
    const plainMs = time(text, 20)
    const mixedMs = time(mixed, 20)
    expect(redact(text)).toBe(text)
    expect(findFragments('mixed', redact(mixed), [key, hex])).toEqual([])
    // ~0.3 ms (plain) and ~1.2 ms (with keys) on an idle core; the bound leaves room for a busy machine.
    expect(plainMs).toBeLessThan(50)
    expect(mixedMs).toBeLessThan(50)
    // Runs of mask characters, labels and key prefixes: no quadratic backtracking (worst seen ~40 ms).
    const worst: Array<[string, number]> = []
    for (const unit of ['.', '*', '…', 'sk-', 'SK-PROJ-', 'api_key=', 'Bearer ', key.slice(8, 16), `${key.slice(0, 30)}.`, `...${key.slice(-3)}`]) {
      worst.push([unit.slice(0, 12), time(unit.repeat(Math.ceil(100_000 / unit.length)).slice(0, 100_000), 1)])
    }
    for (const [unit, ms] of worst) expect(ms, JSON.stringify(unit)).toBeLessThan(1000)
    if (process.env.HARDENING_REPORT) {
      console.log(
        `redactor on 100 KB: ${plainMs.toFixed(2)} ms (plain), ${mixedMs.toFixed(2)} ms (with keys); adversarial: ${worst.map(([u, ms]) => `${JSON.stringify(u)} ${ms.toFixed(1)} ms`).join(', ')}`,
      )
    }
  })

  it('finding 2: errors (server error code, message and param; handshake body) hold no fragment of the key or the api-key header', async () => {
    const key = projectCanary()
    const hex = azureCanary()
    const random = key.slice('sk-proj-'.length)
    const surfaces: Array<[string, unknown]> = []
    const e1 = await voiceAgent(
      {
        faults: {
          errorOnResponseCreate: { type: 'invalid_request_error', code: key.slice(0, 20), message: echoes(key, hex).join(' | '), param: hex.toUpperCase() },
        },
      },
      { apiKey: key, connectTimeoutMs: 2000, connect: false, headers: { 'api-key': hex } },
    )
    await e1.agent.connect()
    await e1.agent.sendText('hi')
    surfaces.push(['server error event', await e1.agent.recvAudio(2000).catch((e: unknown) => e)])
    surfaces.push(['agent.errors', e1.agent.errors])
    const body = JSON.stringify({
      error: { message: `Incorrect API key provided: sk-proj-${random.slice(0, 8)}****${random.slice(-4)}; api-key ${hex.slice(0, 8)}...${hex.slice(-4)}` },
    })
    const e2 = await voiceAgent(
      { rejectHandshake: { status: 401, body } },
      { apiKey: key, connectTimeoutMs: 2000, connect: false, headers: { 'api-key': hex } },
    )
    surfaces.push(['handshake body', await e2.agent.connect().catch((e: unknown) => e)])

    const leaks: string[] = []
    for (const [where, value] of surfaces) {
      expect(value, where).toBeDefined()
      const texts = value instanceof Error ? errorSurfaces(value) : [inspect(value, { depth: Infinity }), JSON.stringify(value) ?? '']
      for (const t of texts) leaks.push(...findFragments(where, t, [key, hex]))
    }
    expect(leaks).toEqual([])
    expect(String(surfaces[0]![1])).toContain(REDACTED)
    expect(String(surfaces[2]![1])).toContain(REDACTED)
  })

  it('finding 2: transcript snapshot text, conversation report, SVG timeline and matcher messages hold no fragment of either key', async () => {
    const key = projectCanary()
    const hex = azureCanary()
    const random = key.slice('sk-proj-'.length)
    const said = `Your keys: ${hex}, ${hex.toUpperCase()}, ${hex.slice(0, 8)}...${hex.slice(-4)} and ${key}, sk-proj-...${random.slice(-4)}.`
    const { agent } = await voiceAgent(
      { reply: said, paceMs: 1, transcribe: () => `my key is ${key} and ${hex}` },
      { apiKey: key, connectTimeoutMs: 2000, connect: false, headers: { 'api-key': hex } },
    )
    await agent.connect()
    await agent.sendText('tell me my keys')
    const toSay = await expect(agent)
      .toSay('something else')
      .then(
        () => 'passed',
        (e: Error) => stripAnsi(e.message),
      )
    await agent.sendAudio(speech('what is my key'))
    const toTranscribeAs = await expect(agent)
      .toTranscribeAs('my key is gone')
      .then(
        () => 'passed',
        (e: Error) => stripAnsi(e.message),
      )
    expect(toSay).toMatch(/^expect\(agent\)\.toSay/)
    expect(toTranscribeAs).toMatch(/^expect\(agent\)\.toTranscribeAs/)

    // A transcript carries its adapter's redactor under REDACT (non-enumerable): the snapshot serializer only sees
    // the transcript.
    const transcript = agent.transcript
    expect(redactorOf(transcript)).toBeTypeOf('function')
    const dir = await mkdtemp(join(tmpdir(), 'expect-voice-fragments-'))
    try {
      const paths = { wav: join(dir, 'c.wav'), timeline: join(dir, 'c.timeline.svg') }
      await writeConversationRecording(agent, paths, { title: `leaky ${hex}` })
      const texts: Array<[string, string]> = [
        ['formatTranscript', formatTranscript(transcript)],
        ['snapshot', transcriptSerializer.serialize(transcript)],
        ['conversation report', conversationReport(agent)],
        ['SVG (renderTimelineSvg)', renderTimelineSvg(layoutConversation(agent), { title: key.toUpperCase() })],
        ['SVG (written recording)', await readFile(paths.timeline, 'utf8')],
        ['toSay failure', toSay],
        ['toTranscribeAs failure', toTranscribeAs],
      ]
      expect(texts.flatMap(([where, t]) => findFragments(where, t, [key, hex]))).toEqual([])
      // The text was there, and redacted.
      for (const [where, t] of texts.slice(0, 5)) expect(t, where).toContain(REDACTED)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('finding 2: a recvAudio timeout and a close mid-wait name what arrived without the key, even when event types carry it', async () => {
    const key = projectCanary()
    const hex = azureCanary()
    const { server, agent } = await voiceAgent(
      { faults: { neverAnswer: true } },
      { apiKey: key, connectTimeoutMs: 2000, connect: false, headers: { 'api-key': hex } },
    )
    const connecting = agent.connect()
    await new Promise((r) => setTimeout(r, 50))
    const conn = server.connections[0]!
    conn.send({ type: 'session.updated', session: { type: 'realtime' } })
    await connecting
    await agent.sendText('hello')
    conn.send({ type: `echo ${key}` })
    conn.send({ type: `echo ${key.toUpperCase()}` })
    conn.send({ type: `masked sk-proj-...${key.slice(-4)} and ${hex}` })
    await new Promise((r) => setTimeout(r, 50))
    const timeout = await agent.recvAudio(50).then(
      () => null,
      (e: Error) => e,
    )
    expect(timeout?.name).toBe('RealtimeTimeoutError')
    const closing = agent.recvAudio(2000).then(
      () => null,
      (e: Error) => e,
    )
    conn.close(1011, 'bye')
    const closed = await closing
    expect(closed?.name).toBe('RealtimeConnectionClosedError')
    const texts = [timeout!.message, JSON.stringify((timeout as { received?: unknown }).received), closed!.message]
    expect(texts.flatMap((t, i) => findFragments(`error ${i}`, t, [key, hex]))).toEqual([])
    expect(timeout!.message).toContain(REDACTED)
  })
})

describe('the judge and the transcriber: no key in their requests’ recorded form, their errors or their messages', () => {
  it('an HTTP endpoint echoing the key in its error body, a malformed answer echoing it, and the recorded exchanges', async () => {
    const { createServer } = await import('node:http')
    const { createRecordingProxy } = await import('../../src/replay.js')
    const key = canary()
    // Echoes the key it was sent (like a gateway that prints the rejected credential) in every answer.
    const echo = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        const auth = String(req.headers.authorization ?? '')
        const malformed = req.url?.includes('malformed')
        const body = malformed
          ? JSON.stringify({ status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: `not a verdict: ${auth}` }] }] })
          : JSON.stringify({
              error: { message: `Incorrect API key provided: ${auth} (${auth.slice(7, 30)}…)`, type: 'invalid_request_error', code: 'invalid_api_key' },
            })
        res.writeHead(malformed ? 200 : 401, { 'content-type': 'application/json' })
        res.end(body)
      })
    })
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(echo.address() as { port: number }).port}/v1`
    try {
      const { agent } = await voiceAgent({ paceMs: 0, reply: 'Table for two.' }, { apiKey: key })
      await agent.sendText('book')
      const surfaces: unknown[] = []
      for (const run of [
        () => expect(agent).toFulfill('books a table', { baseURL: base }),
        () => expect(agent).toFulfill('books a table', { baseURL: `${base}/malformed` }),
        () => expect(agent).toSoundLikeItsTranscript({ baseURL: base }),
        () => expect(agent).toSay('table', { from: 'audio', baseURL: base, apiKey: key }),
      ]) {
        surfaces.push(await run().catch((e: unknown) => e))
      }
      expect(surfaces.map((e) => (e as Error).name)).toEqual(['HttpEndpointError', 'MalformedModelOutputError', 'HttpEndpointError', 'HttpEndpointError'])
      expect(surfaces.flatMap((err, i) => errorSurfaces(err).flatMap((s) => findLeaks(`surface ${i}`, s, key)))).toEqual([])
      expect(String((surfaces[0] as Error).message)).toContain(REDACTED)

      // Recorded through the proxy: the proxy adds the key upstream; the recording holds it nowhere, nor the echo.
      const proxy = await createRecordingProxy({ upstream: base.replace(/^http/, 'ws'), apiKey: key })
      try {
        const { request } = await import('node:http')
        await new Promise<void>((resolve, reject) => {
          const req = request(`${proxy.baseURL}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
            res.resume()
            res.on('end', resolve)
          })
          req.on('error', reject)
          req.end(JSON.stringify({ model: 'gpt-4.1-mini', input: 'judge this' }))
        })
      } finally {
        await proxy.close()
      }
      const recording = proxy.recording()
      expect(recording.http?.[0]?.response.status).toBe(401)
      expect(findLeaks('recording', JSON.stringify(recording.http), key)).toEqual([])
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()))
    }
  })
})

describe('the judge and the transcriber (issue #14 fixes): refusals, transcriber timeouts, oversized answers hold no key', () => {
  it('a key refused for http://, a transcriber that never answers, and a 1 MiB answer echoing the key through the proxy', async () => {
    const { createServer, request } = await import('node:http')
    const { createRecordingProxy } = await import('../../src/replay.js')
    const key = canary()
    const { agent } = await voiceAgent({ paceMs: 0, reply: 'Table for two.' }, { apiKey: key })
    await agent.sendText('book')
    const surfaces: unknown[] = [
      await expect(agent)
        .toFulfill('books a table', { apiKey: key, baseURL: 'http://192.0.2.2:8080/v1' })
        .catch((e: unknown) => e),
      await expect(agent)
        .toSay('table', { from: 'audio', timeout: 50, transcriber: () => new Promise<string>(() => {}) })
        .catch((e: unknown) => e),
    ]
    expect(surfaces.map((e) => (e as Error).name)).toEqual(['InvalidOptionError', 'TranscriberTimeoutError'])
    expect(surfaces.flatMap((err, i) => errorSurfaces(err).flatMap((s) => findLeaks(`surface ${i}`, s, key)))).toEqual([])

    // An upstream answering over 1 MiB with the key in it: the proxy's 502 and its recording hold none of it.
    const huge = createServer((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`${String(req.headers.authorization)} `.repeat(40_000)))
    })
    await new Promise<void>((resolve) => huge.listen(0, '127.0.0.1', resolve))
    const proxy = await createRecordingProxy({ upstream: `ws://127.0.0.1:${(huge.address() as { port: number }).port}/v1/realtime`, apiKey: key })
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const req = request(`${proxy.baseURL}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          let body = ''
          res.on('data', (c: Buffer) => (body += c))
          res.on('end', () => resolve(`${res.statusCode} ${body}`))
        })
        req.on('error', reject)
        req.end('{"model":"gpt-4.1-mini"}')
      })
      expect(answer).toMatch(/^502 .*answer_too_large/)
      expect(findLeaks('502 answer', answer, key)).toEqual([])
      expect(findLeaks('recording', JSON.stringify(proxy.recording().http), key)).toEqual([])
    } finally {
      await proxy.close()
      await new Promise<void>((resolve) => huge.close(() => resolve()))
    }
  })
})

describe('the run report (issue #15): measurements, JSON, HTML and table hold no key', () => {
  it('a judge reason and a test name that carry the key, an agent that says it: nothing of it reaches the report files or the table', async () => {
    const key = canary()
    const { agent } = await voiceAgent({ apiKey: key, reply: `Here it is: ${key}.`, paceMs: 1 }, { apiKey: key })
    await agent.sendText('tell me my key')
    await expect(agent).toSay(/Here it is/)
    // A judge that quotes the transcript verbatim, and a test named after the key (the reporters redact both).
    const notes = [{ kind: 'judge', turn: 1, pass: false, criteria: `never says ${key}`, reason: `it said ${key}`, model: 'judge' }]
    const attempt = measureAttempt(observe(agent).turns, notes, { state: 'failed', redact: redactorFor(agent) })
    const report = buildVoiceReport({ runner: 'vitest', startedAt: new Date(), durationMs: 1 }, [
      { file: 'x.test.ts', name: `leaks ${key}`, attempts: [attempt] },
    ])
    const dir = await mkdtemp(join(tmpdir(), 'ev-secrets-report-'))
    try {
      const out = await writeVoiceReport(report, { outputDir: dir, budgets: { firstAudio: { p95: 0 } } })
      const texts: Array<[string, string]> = [
        ['table', out.text],
        ['voice-report.json', await readFile(out.files.json!, 'utf8')],
        ['voice-report.html', await readFile(out.files.html!, 'utf8')],
      ]
      expect(attempt.turns).toHaveLength(1)
      expect(texts.flatMap(([where, t]) => findLeaks(where, t, key))).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
