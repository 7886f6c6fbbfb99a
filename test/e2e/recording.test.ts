import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syntheticSpeechDurationMs, synthesizeSpeech, transcribeSyntheticSpeech } from '../../src/audio/synthetic-voice.js'
import { firstNonZero, readPcm16Wav } from '../helpers/wav-info.js'
import { parseXml, select, textOf } from '../helpers/xml.js'
import { runChildVitest, type ChildTest } from './run-child-vitest.js'

const SECRET = 'sk-test-e2e-secret-key-0123456789abcdef'
const reporter = fileURLToPath(new URL('./fixtures/artifact-reporter.ts', import.meta.url))

interface Recorded {
  wav: string
  timeline: string
  durationMs: number
}

describe('failure recordings (observed from a child Vitest run)', () => {
  let dir = ''
  let attachments = ''
  let byName: Record<string, ChildTest> = {}
  let artifacts: Array<{ test: string; artifact: { type: string; wav: string; attachments: Array<{ path: string; contentType: string }> } }> = []
  let output = ''
  const recordingOf = (name: string) => byName[name]!.meta.voiceRecording as Recorded | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'expect-voice-recordings-'))
    attachments = join(dir, 'attachments')
    const log = join(dir, 'artifacts.jsonl')
    const run = await runChildVitest(
      'recording.voice.ts',
      { EXPECT_VOICE_E2E_DIR: join(dir, 'out'), EXPECT_VOICE_E2E_ARTIFACT_LOG: log, OPENAI_API_KEY: SECRET, EXPECT_VOICE_ARTIFACTS: '' },
      [`--reporter=${reporter}`, `--attachmentsDir=${attachments}`],
    )
    output = run.output
    byName = Object.fromEntries(run.tests.map((t) => [t.name, t]))
    artifacts = existsSync(log)
      ? (await readFile(log, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
      : []
  }, 60_000)

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('a failing test gets a WAV and a timeline, named after the test file and the test, printed in its failure', async () => {
    const failed = byName['fails on purpose — table for 2 / "cancelled"?']!
    expect(failed.state).toBe('failed')
    const rec = recordingOf(failed.name)!
    expect(basename(rec.wav)).toBe('test-e2e-fixtures-recording.voice__fails-on-purpose-table-for-2-cancelled.wav')
    expect(basename(rec.timeline)).toBe('test-e2e-fixtures-recording.voice__fails-on-purpose-table-for-2-cancelled.timeline.svg')
    expect(existsSync(rec.wav) && existsSync(rec.timeline)).toBe(true)
    const message = failed.errors.join('\n')
    expect(message).toContain('Expected: the agent to say "your table is cancelled"')
    expect(message.match(/Voice recording of this test/g)).toHaveLength(1)
    expect(message).toMatch(
      /Voice recording of this test:\n {2}audio: {4}\S+fails-on-purpose-table-for-2-cancelled\.wav \(user: left channel, agent: right channel\)\n {2}timeline: \S+\.timeline\.svg/,
    )
  })

  it('the WAV plays back: stereo, the right duration, the user and the agent each on their channel', async () => {
    const rec = recordingOf('fails on purpose — table for 2 / "cancelled"?')!
    const wav = readPcm16Wav(await readFile(rec.wav))
    expect(wav).toMatchObject({ channels: 2, sampleRate: 24_000, bitsPerSample: 16 })
    expect(Math.abs(wav.durationMs - rec.durationMs)).toBeLessThanOrEqual(1)

    const userMs = syntheticSpeechDurationMs('book a table for two')
    const agentMs = syntheticSpeechDurationMs('Your table is booked.')
    const [user, agent] = wav.channelData as [Int16Array, Int16Array]
    // The user's line from the first sample, exactly.
    const said = synthesizeSpeech('book a table for two')
    expect(Buffer.from(user.buffer, 0, said.length).equals(said)).toBe(true)
    expect(transcribeSyntheticSpeech(Buffer.from(user.buffer))).toBe('book a table for two')
    // The agent's answer after the measured latency (the fake server adds 120 ms), played continuously.
    const start = (firstNonZero(agent) * 1000) / 24_000
    expect(start - userMs).toBeGreaterThanOrEqual(120)
    expect(start - userMs).toBeLessThan(1500)
    expect(transcribeSyntheticSpeech(Buffer.from(agent.buffer))).toBe('Your table is booked.')
    // The recording ends with the answer (longer only if a chunk had arrived after the previous one finished playing).
    expect(wav.durationMs).toBeGreaterThanOrEqual(start + agentMs - 0.5)
    expect(wav.durationMs).toBeLessThan(start + agentMs + 1000)
  })

  it('the timeline is a well-formed SVG with both lanes, the turn boundary and the latencies', async () => {
    const rec = recordingOf('fails on purpose — table for 2 / "cancelled"?')!
    const root = parseXml(await readFile(rec.timeline, 'utf8'))
    expect(root.name).toBe('svg')
    expect(textOf(select(root, 'title')[0]!)).toBe('fails on purpose — table for 2 / "cancelled"?')
    expect(textOf(select(root, 'text', { id: 'subtitle' })[0]!)).toMatch(/^failed · test\/e2e\/fixtures\/recording\.voice\.ts · \d+ ms · user: left channel/)
    expect(select(root, 'path', { cls: 'waveform' })).toHaveLength(2)
    expect(select(root, 'line', { cls: 'turn-boundary' })).toHaveLength(1)
    expect(textOf(select(root, 'g', { cls: 'first-audio' })[0]!)).toMatch(/^first audio \d+ ms$/)
    expect(textOf(select(root, 'g', { cls: 'first-speech' })[0]!)).toMatch(/^first speech \d+ ms$/)
    expect(textOf(select(root, 'text', { cls: 'user' })[0]!)).toContain('“book a table for two”')
  })

  it('the recording is attached to the Vitest report as an artifact and in the test meta', () => {
    const mine = artifacts.filter((a) => a.test === 'fails on purpose — table for 2 / "cancelled"?')
    expect(mine).toHaveLength(1)
    const { artifact } = mine[0]!
    expect(artifact.type).toBe('expect-voice:recording')
    expect(artifact.attachments.map((a) => a.contentType)).toEqual(['audio/wav', 'image/svg+xml'])
    // Vitest copies path attachments into its attachmentsDir.
    for (const a of artifact.attachments) expect(a.path.startsWith(attachments) && existsSync(a.path)).toBe(true)
  })

  it('an interrupt that the agent ignored shows in the message, the recording and the timeline', async () => {
    const t = byName['keeps talking after the interrupt']!
    expect(t.state).toBe('failed')
    expect(t.errors.join('\n')).toMatch(/Speech after the interrupt: \d+ ms of the \d+ ms/)
    const root = parseXml(await readFile(recordingOf(t.name)!.timeline, 'utf8'))
    expect(select(root, 'line', { cls: 'interrupt' })).toHaveLength(1)
    expect(textOf(select(root, 'rect', { cls: 'after-interrupt' })[0]!)).toMatch(/^\d+ ms of audio after the interrupt, \d+ ms of it speech$/)
  })

  it('an un-awaited matcher fails the test, and its error carries the recording too', () => {
    const t = byName['forgets to await a matcher']!
    expect(t.state).toBe('failed')
    expect(t.errors.join('\n')).toMatch(/was still running when the test ended[\s\S]*Voice recording of this test:/)
    expect(existsSync(recordingOf(t.name)!.wav)).toBe(true)
  })

  it("modes: on-failure skips passing tests, 'always' records them and names the files in a failing matcher, 'off' records nothing", async () => {
    expect(byName['passes, so nothing is recorded']!.state).toBe('passed')
    expect(recordingOf('passes, so nothing is recorded')).toBeUndefined()

    const always = byName['always: a passing test is recorded too']!
    expect(always.state).toBe('passed')
    expect(existsSync(recordingOf(always.name)!.wav)).toBe(true)

    const named = byName['always: a failing matcher names the files']!
    expect(named.state).toBe('failed')
    const message = named.errors.join('\n')
    expect(message).toContain('Voice recording of this test (written when the test ends):')
    expect(message.match(/Voice recording of this test/g)).toHaveLength(1) // the fixture does not repeat it

    const off = byName['off: fails without a recording']!
    expect(off.state).toBe('failed')
    expect(recordingOf(off.name)).toBeUndefined()
    expect(off.errors.join('\n')).not.toContain('Voice recording')

    const files = (await readdir(join(dir, 'out'))).sort()
    expect(files.filter((f) => f.endsWith('.wav'))).toHaveLength(5)
    expect(files.some((f) => f.includes('passes-so-nothing') || f.includes('off-fails'))).toBe(false)
  })

  it('writes no secret and prints no stray errors', async () => {
    for (const f of await readdir(join(dir, 'out'))) {
      expect((await readFile(join(dir, 'out', f))).includes(SECRET)).toBe(false)
    }
    expect(output).not.toContain(SECRET)
    expect(output).not.toMatch(/Unhandled (Rejection|Error)/)
  })
})
