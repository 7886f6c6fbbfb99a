/**
 * The run report's parts, in process: measuring an attempt from the records, the notes matchers make (WER, a
 * judge's verdict), summaries and percentiles, budgets, merging runs, the table, the HTML page, and both reporters
 * driven by hand (exit code and `getLastError` when a budget holds or not).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { observe } from '../../src/adapter/observe.js'
import { InvalidOptionError, VoiceBudgetError, VoiceReportFormatError } from '../../src/errors/index.js'
import VoiceJestReporter from '../../src/jest-reporter.js'
import VoiceReporter from '../../src/reporter.js'
import { appendChannelLine, META_KEY, readChannelLines, REPORT_DIR_ENV, REPORT_ENV } from '../../src/run-report/channel.js'
import { measureAttempt } from '../../src/run-report/measure.js'
import type { VoiceAttemptPayload, VoiceReport } from '../../src/run-report/model.js'
import { noteVoiceMeasurement, takeVoiceNotes } from '../../src/run-report/sink.js'
import {
  buildVoiceReport,
  checkVoiceBudgets,
  formatVoiceReportTable,
  mergeVoiceReports,
  readVoiceReport,
  renderVoiceReportHtml,
  summarizeVoiceReport,
  voiceBudgets,
  writeVoiceReport,
} from '../../src/run-report/index.js'
import { vitestMeasurements } from '../../src/runners/run-report-collection.js'
import { drain } from '../helpers/drain.js'
import { responseRecord, turnRecord } from '../helpers/builders.js'
import { speech, voiceAgent } from '../helpers/voice.js'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'expect-voice-report-unit-'))
  dirs.push(d)
  return d
}
const savedEnv = {
  report: process.env[REPORT_ENV],
  dir: process.env[REPORT_DIR_ENV],
  budgets: process.env.EXPECT_VOICE_BUDGETS,
  out: process.env.EXPECT_VOICE_REPORT_OUTPUT,
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  const restore = (key: string, value: string | undefined) => {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  restore(REPORT_ENV, savedEnv.report)
  restore(REPORT_DIR_ENV, savedEnv.dir)
  restore('EXPECT_VOICE_BUDGETS', savedEnv.budgets)
  restore('EXPECT_VOICE_REPORT_OUTPUT', savedEnv.out)
})

/** An attempt whose turns had these first-audio latencies (first speech 50 ms later). */
const attempt = (latencies: number[], extra: Partial<VoiceAttemptPayload> = {}): VoiceAttemptPayload => ({
  repeat: 0,
  retry: 0,
  state: 'passed',
  turns: latencies.map((ms, i) => ({ turn: i + 1, input: 'text', firstAudioMs: ms, firstSpeechMs: ms + 50, interruptStopMs: null, wer: null })),
  notes: [],
  ...extra,
})

const run = (tests: Array<{ name: string; attempts: VoiceAttemptPayload[] }>, id = 'run-1'): VoiceReport =>
  buildVoiceReport(
    { runner: 'vitest', startedAt: new Date('2026-01-01T00:00:00Z'), durationMs: 1234, id },
    tests.map((t) => ({ file: 'calls.test.ts', ...t })),
  )

describe('measuring an attempt from the records', () => {
  it('first audio, first speech, interrupt stop and the WER toTranscribeAs noted, per turn', async () => {
    const { agent } = await voiceAgent({ latencyMs: 30, reply: 'Your table for two is booked.', paceMs: 20 })
    await agent.sendAudio(speech('book a table'))
    await expect(agent).toTranscribeAs('book the table', { maxWer: 0.5 })
    await drain(agent)
    await agent.sendText('tell me about the menu')
    await expect(agent).toStopOnInterrupt({ within: 300 })
    const turns = observe(agent).turns
    const measured = measureAttempt(turns, takeVoiceNotes(agent), { state: 'passed' })
    const [first, second] = measured.turns
    expect(first!.turn).toBe(1)
    expect(first!.input).toBe('audio')
    const r = turns[0]!.responses[0]!
    expect(first!.firstAudioMs).toBeCloseTo(r.firstAudioAt! - turns[0]!.endedAt!, 0)
    expect(first!.firstSpeechMs).toBeGreaterThanOrEqual(first!.firstAudioMs!)
    expect(first!.wer).toBeCloseTo(1 / 3)
    expect(first!.interruptStopMs).toBeNull()
    const interrupted = turns[1]!.responses[0]!
    expect(second!.interruptStopMs).toBeCloseTo(interrupted.doneAt! - interrupted.interruptedAt!, 0)
    expect(second!.wer).toBeNull()
    expect(measured.notes).toEqual([])
  })

  it('a turn without audio has no latency; a turn without a response is not a turn of the report', () => {
    const silent = responseRecord([], { firstAudioAt: null, doneAt: 10 })
    const turns = [turnRecord(0, 'text', { endedAt: 0, response: silent }), turnRecord(1, 'text', { endedAt: 20 })]
    expect(measureAttempt(turns, [], { state: 'failed' }).turns).toEqual([
      { turn: 1, input: 'text', firstAudioMs: null, firstSpeechMs: null, interruptStopMs: null, wer: null },
    ])
  })

  it('keeps at most 1000 turns and 200 notes, cuts and redacts note texts', () => {
    const turns = Array.from({ length: 1005 }, (_, i) => turnRecord(i, 'text', { endedAt: i * 10, response: responseRecord([i * 10 + 5]) }))
    const key = 'sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX'
    const notes = Array.from({ length: 250 }, (_, i) => ({
      kind: 'judge',
      turn: 1,
      pass: i % 2 === 0,
      reason: `${key} ${'x'.repeat(600)}`,
      criteria: 'polite',
      model: 'm',
    }))
    const a = measureAttempt(turns, notes, { state: 'passed', redact: (t) => t.split(key).join('[redacted]') })
    expect(a.turns).toHaveLength(1000)
    expect(a.droppedTurns).toBe(5)
    expect(a.turns[0]!.firstAudioMs).toBe(5)
    expect(a.notes).toHaveLength(200)
    expect(a.notes[0]!.reason!.length).toBe(500)
    expect(a.notes[0]!.reason!.startsWith('[redacted] xxx')).toBe(true)
  })

  it('the sink: notes per agent, bounded, cleared when taken', () => {
    const agent = {}
    for (let i = 0; i < 300; i++) noteVoiceMeasurement(agent, { kind: 'x', turn: null, value: i })
    noteVoiceMeasurement(null, { kind: 'x', turn: null })
    expect(takeVoiceNotes(agent)).toHaveLength(200)
    expect(takeVoiceNotes(agent)).toEqual([])
  })

  it('Vitest: measures onto task.meta only when the reporter asked (EXPECT_VOICE_REPORT), one entry per attempt', async () => {
    const { agent } = await voiceAgent()
    delete process.env[REPORT_ENV]
    expect(vitestMeasurements(agent, { meta: {} })).toBeNull()
    process.env[REPORT_ENV] = '1'
    const task = { meta: {} as Record<string, unknown>, result: { repeatCount: 0 } }
    vitestMeasurements(agent, task)!({ failed: false, recording: null })
    task.result.repeatCount = 1
    vitestMeasurements(agent, task)!({ failed: true, recording: { wav: '/r/a.wav', timeline: '/r/a.svg' } })
    expect((task.meta[META_KEY] as VoiceAttemptPayload[]).map((a) => [a.repeat, a.state, a.recording?.wav])).toEqual([
      [0, 'passed', undefined],
      [1, 'failed', '/r/a.wav'],
    ])
  })
})

describe('summaries, budgets, merging', () => {
  it('per test and overall: n, p50, p95, p99, max (nearest rank); verdicts and custom metrics from notes', () => {
    const judge = { kind: 'judge', turn: 1, criteria: 'offers a time', model: 'gpt-x' }
    const report = run([
      {
        name: 'books',
        attempts: [
          attempt([100, 200, 300], { notes: [{ ...judge, pass: true }] }),
          attempt([400], {
            state: 'failed',
            notes: [
              { ...judge, pass: false, reason: 'no time offered' },
              { kind: 'mos', turn: null, value: 4.2 },
            ],
          }),
        ],
      },
      { name: 'cancels', attempts: [attempt([50])] },
    ])
    const s = summarizeVoiceReport(report)
    expect([s.runs, s.tests.length, s.attempts, s.failedAttempts, s.turns]).toEqual([1, 2, 3, 1, 5])
    const firstAudio = s.metrics.find((m) => m.metric === 'firstAudio')!
    expect(firstAudio.overall).toMatchObject({ n: 5, p50: 200, p95: 400, p99: 400, max: 400, min: 50 })
    expect(firstAudio.tests.map((t) => [t.id, t.summary.p50])).toEqual([
      ['calls.test.ts > books', 200],
      ['calls.test.ts > cancels', 50],
    ])
    expect(s.metrics.map((m) => m.metric)).toEqual(['firstAudio', 'firstSpeech', 'mos'])
    expect(s.verdicts).toEqual([
      {
        kind: 'judge',
        passed: 1,
        total: 2,
        tests: [{ id: 'calls.test.ts > books', passed: 1, total: 2, failures: [{ criteria: 'offers a time', reason: 'no time offered', model: 'gpt-x' }] }],
      },
    ])
  })

  it('budgets: each limit checked on the whole run; nothing measured fails unless no voice test ran', () => {
    const s = summarizeVoiceReport(run([{ name: 'books', attempts: [attempt([100, 900], { notes: [{ kind: 'judge', turn: 1, pass: false }] })] }]))
    const results = checkVoiceBudgets(
      s,
      voiceBudgets({ firstAudio: { p50: 150, p95: 1000 }, firstSpeech: { max: 500 }, wer: { max: 0.2 }, judge: { passRate: 0.5 } }),
    )
    expect(results.map((r) => [r.metric, r.stat, r.actual, r.pass])).toEqual([
      ['firstAudio', 'p50', 100, true],
      ['firstAudio', 'p95', 900, true],
      ['firstSpeech', 'max', 950, false],
      ['wer', 'max', null, false],
      ['judge', 'passRate', 0, false],
    ])
    expect(results[3]!.detail).toBe('nothing measured for "wer" in 1 test attempt (measured: firstAudio, firstSpeech, judge)')
    const empty = checkVoiceBudgets(summarizeVoiceReport(run([])), { wer: { max: 0.2 } })
    expect(empty).toMatchObject([{ pass: true, detail: 'no voice tests ran: not checked' }])
  })

  it('voiceBudgets rejects what cannot be a budget, naming it', () => {
    const bad: Array<[unknown, RegExp]> = [
      [null, /expected an object such as \{ firstSpeech: \{ p95: 1200 \} \}, got null/],
      [{ firstSpeech: 1200 }, /budget "firstSpeech" must be an object such as \{ p95: 1200 \}, got number/],
      [{ firstSpeech: {} }, /budget "firstSpeech" sets no limit/],
      [{ firstSpeech: { p90: 1 } }, /unknown limit "p90" \(use p50, p95, p99, max, mean or passRate\)/],
      [{ firstSpeech: { p95: -1 } }, /"firstSpeech.p95" must be a non-negative number, got -1/],
      [{ judge: { passRate: 2 } }, /"judge.passRate" must be a number in \[0, 1\], got 2/],
      [{ judge: { passRate: 0.9, max: 1 } }, /passRate cannot be combined with max/],
    ]
    for (const [budgets, message] of bad) {
      expect(() => voiceBudgets(budgets as never)).toThrow(InvalidOptionError)
      expect(() => voiceBudgets(budgets as never)).toThrow(message)
    }
  })

  it('merging runs: attempts side by side, a run merged twice counts once; files read back, bad files named', async () => {
    const a = run([{ name: 'books', attempts: [attempt([100])] }], 'run-a')
    const b = run(
      [
        { name: 'books', attempts: [attempt([300])] },
        { name: 'cancels', attempts: [attempt([50])] },
      ],
      'run-b',
    )
    const merged = mergeVoiceReports(a, b, a)
    expect(merged.runs.map((r) => r.id)).toEqual(['run-a', 'run-b'])
    expect(merged.tests.map((t) => [t.name, t.attempts.map((x) => x.run)])).toEqual([
      ['books', ['run-a', 'run-b']],
      ['cancels', ['run-b']],
    ])
    expect(summarizeVoiceReport(merged).metrics[0]!.overall).toMatchObject({ n: 3, p50: 100, max: 300 })

    const dir = tempDir()
    const written = await writeVoiceReport(a, { outputDir: dir })
    expect(await readVoiceReport(written.files.json!)).toEqual(a)
    writeFileSync(join(dir, 'other.json'), '{"schema":"something-else","runs":[],"tests":[]}')
    await expect(readVoiceReport(join(dir, 'other.json'))).rejects.toThrow(VoiceReportFormatError)
    await expect(readVoiceReport(join(dir, 'other.json'))).rejects.toThrow(/other\.json is not a voice report: "schema" is "something-else"/)
    writeFileSync(join(dir, 'broken.json'), '{')
    await expect(readVoiceReport(join(dir, 'broken.json'))).rejects.toThrow(/broken\.json is not JSON/)
    await expect(readVoiceReport(join(dir, 'missing.json'))).rejects.toThrow(/cannot read .*missing\.json/)
  })
})

describe('the table and the page', () => {
  const report = run([
    {
      name: 'books a table',
      attempts: [attempt([120, 180, 140]), attempt([900], { state: 'failed', recording: { wav: '/r/books.wav', timeline: '/r/books.svg' } })],
    },
    {
      name: 'cancels <b>&</b> "quotes"',
      attempts: [attempt([60, 80], { notes: [{ kind: 'judge', turn: 2, pass: false, criteria: 'polite', reason: 'curt' }] })],
    },
  ])
  const summary = summarizeVoiceReport(report)
  const budgets = checkVoiceBudgets(summary, { firstAudio: { p95: 500 }, firstSpeech: { p50: 1000 } })

  it('the table: per metric, per test (slowest p95 first) and overall; verdicts; budgets', () => {
    expect(formatVoiceReportTable(summary, budgets)).toMatchSnapshot()
  })

  it('the page: escaped text, a histogram per metric, links relative to the page, no scripts or external assets', () => {
    const html = renderVoiceReportHtml(report, summary, budgets, { outputDir: '/r/report' })
    expect(html).toContain('cancels &lt;b&gt;&amp;&lt;/b&gt; &quot;quotes&quot;')
    expect(html).not.toContain('<b>&</b>')
    expect(html.match(/<svg class="histogram"/g)).toHaveLength(2)
    expect(html).toContain('<a href="../books.wav">WAV</a> · <a href="../books.svg">timeline</a>')
    expect(html).toContain('title="polite: curt"')
    expect(html).toContain('<li class="budget fail" data-metric="firstAudio" data-stat="p95">✗ firstAudio p95 ≤ 500 ms: 900 ms')
    expect(html).not.toMatch(/<script|<link|src=|url\(/)
  })

  it('writes nothing key-shaped, whatever the report holds', async () => {
    const key = `sk-canary-${'a1b2c3d4'.repeat(4)}`
    const leaky = run([{ name: `uses ${key}`, attempts: [attempt([100], { notes: [{ kind: 'judge', turn: 1, pass: false, reason: `said ${key}` }] })] }])
    const dir = tempDir()
    const out = await writeVoiceReport(leaky, { outputDir: dir, budgets: { firstAudio: { p95: 1 } } })
    for (const text of [out.text, readFileSync(out.files.json!, 'utf8'), readFileSync(out.files.html!, 'utf8')]) {
      expect(text).not.toContain(key.slice('sk-canary-'.length))
      expect(text).toContain('[redacted]')
    }
  })
})

describe('the reporters, driven by hand', () => {
  const modules = (attempts: VoiceAttemptPayload[]) => [
    {
      moduleId: join(process.cwd(), 'test/calls.test.ts'),
      children: {
        allTests: () => [
          { fullName: 'calls > books', meta: () => ({ [META_KEY]: attempts }) },
          { fullName: 'no voice', meta: () => ({}) },
        ],
      },
    },
  ]

  it('Vitest: writes the report, leaves the exit code alone when the budgets hold, sets 1 when one is exceeded', async () => {
    const dir = tempDir()
    const logged: string[] = []
    const vitest = { config: { root: process.cwd() }, logger: { log: (t: unknown) => logged.push(String(t)), error: (t: unknown) => logged.push(String(t)) } }
    const before = process.exitCode
    try {
      const ok = new VoiceReporter({ outputDir: dir, budgets: voiceBudgets({ firstAudio: { p95: 500 } }) })
      ok.onInit(vitest)
      expect(process.env[REPORT_ENV]).toBe('1')
      ok.onTestRunStart()
      await ok.onTestRunEnd(modules([attempt([100, 200])]))
      expect(process.exitCode).toBe(before)
      expect(logged.join('\n')).toContain('✓ firstAudio p95 ≤ 500 ms: 200 ms')
      const report = JSON.parse(readFileSync(join(dir, 'voice-report.json'), 'utf8')) as VoiceReport
      expect(report.tests.map((t) => [t.file, t.name])).toEqual([['test/calls.test.ts', 'calls > books']])

      // The budgets of EXPECT_VOICE_BUDGETS replace the configured ones.
      process.env.EXPECT_VOICE_BUDGETS = '{"firstAudio":{"p95":150}}'
      const tight = new VoiceReporter({ outputDir: dir, budgets: { firstAudio: { p95: 500 } }, merge: [join(dir, 'voice-report.json')] })
      tight.onInit(vitest)
      await tight.onTestRunEnd(modules([attempt([100, 200])]))
      expect(process.exitCode).toBe(1)
      expect(logged.at(-1)).toContain('Voice report: 2 runs, 1 test (2 attempts), 4 turns')
      expect(logged.at(-1)).toContain('✗ firstAudio p95 ≤ 150 ms: 200 ms')
    } finally {
      process.exitCode = before
    }
  })

  it('options are checked when the config loads', () => {
    expect(() => new VoiceReporter({ outDir: 'x' } as never)).toThrow(/expect-voice\/reporter: unknown option "outDir" \(known: outputDir, budgets/)
    expect(() => new VoiceReporter({ budgets: { firstSpeech: { p96: 1 } } as never })).toThrow(/unknown limit "p96"/)
    process.env.EXPECT_VOICE_BUDGETS = '{nope'
    expect(() => new VoiceReporter()).toThrow(/EXPECT_VOICE_BUDGETS is not JSON/)
    delete process.env.EXPECT_VOICE_BUDGETS
    expect(() => new VoiceJestReporter({ rootDir: process.cwd() }, { table: 'yes' } as never)).toThrow(
      /expect-voice\/jest-reporter: option "table" must be a boolean/,
    )
  })

  it('Jest: reads the workers’ lines from its run directory, removes it, and reports an exceeded budget as its error', async () => {
    const out = tempDir()
    const reporter = new VoiceJestReporter({ rootDir: process.cwd() }, { outputDir: out, budgets: { firstAudio: { p95: 150 } }, table: false })
    const channel = process.env[REPORT_DIR_ENV]!
    reporter.onRunStart()
    appendChannelLine(channel, { file: join(process.cwd(), 'calls.test.cjs'), name: 'calls books', attempt: attempt([100]) })
    appendChannelLine(channel, { file: join(process.cwd(), 'calls.test.cjs'), name: 'calls books', attempt: attempt([200], { retry: 1 }) })
    writeFileSync(join(channel, 'garbage.jsonl'), 'not json\n{"file":1}\n')
    expect(readChannelLines(channel).skipped).toBe(2)
    await reporter.onRunComplete()
    const error = reporter.getLastError()
    expect(error).toBeInstanceOf(VoiceBudgetError)
    expect(error!.message).toBe('voice budgets exceeded: firstAudio p95')
    expect(readChannelLines(channel).lines).toEqual([])
    const report = JSON.parse(readFileSync(join(out, 'voice-report.json'), 'utf8')) as VoiceReport
    expect(report.tests.map((t) => [t.file, t.name, t.attempts.map((a) => a.retry)])).toEqual([['calls.test.cjs', 'calls books', [0, 1]]])
  })
})
