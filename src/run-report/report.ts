/** Building, merging, reading and summarising voice reports (pure, apart from `readVoiceReport`). */
import { readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { VoiceReportFormatError } from '../errors/index.js'
import { summarize, type ValueSummary } from './stats.js'
import {
  LIMITS,
  VOICE_REPORT_SCHEMA,
  type VoiceAttemptPayload,
  type VoiceReport,
  type VoiceReportRun,
  type VoiceReportTest,
  type VoiceTestAttempt,
} from './model.js'

export interface RunTestAttempts {
  file: string
  name: string
  attempts: readonly VoiceAttemptPayload[]
}

/** A report of one run: the attempts each test handed over. */
export function buildVoiceReport(run: { runner: string; startedAt: Date; durationMs: number; id?: string }, tests: readonly RunTestAttempts[]): VoiceReport {
  const id = run.id ?? `${run.runner}-${run.startedAt.toISOString()}-${randomBytes(3).toString('hex')}`
  const byId = new Map<string, VoiceReportTest>()
  for (const t of tests) {
    if (t.attempts.length === 0) continue
    const testId = `${t.file} > ${t.name}`
    const entry = byId.get(testId) ?? { id: testId, file: t.file, name: t.name, attempts: [] }
    for (const a of t.attempts.slice(0, LIMITS.attemptsPerTestRun)) entry.attempts.push({ ...a, run: id })
    byId.set(testId, entry)
  }
  return {
    schema: VOICE_REPORT_SCHEMA,
    createdAt: new Date().toISOString(),
    runs: [{ id, runner: run.runner, startedAt: run.startedAt.toISOString(), durationMs: Math.round(run.durationMs) }],
    tests: [...byId.values()],
  }
}

/**
 * One report of several runs: the runs side by side, each test's attempts from all of them (a run that appears in
 * several reports counts once).
 */
export function mergeVoiceReports(...reports: VoiceReport[]): VoiceReport {
  const runs = new Map<string, VoiceReportRun>()
  const tests = new Map<string, VoiceReportTest>()
  const seen = new Set<string>()
  for (const [i, report] of reports.entries()) {
    checkReport(report, `mergeVoiceReports: report ${i + 1}`)
    for (const run of report.runs) if (!runs.has(run.id)) runs.set(run.id, run)
    for (const test of report.tests) {
      const entry = tests.get(test.id) ?? { id: test.id, file: test.file, name: test.name, attempts: [] }
      for (const a of test.attempts) {
        const key = `${test.id}\u0000${a.run}\u0000${a.repeat}\u0000${a.retry}`
        if (seen.has(key)) continue
        seen.add(key)
        entry.attempts.push(a)
      }
      tests.set(test.id, entry)
    }
  }
  return { schema: VOICE_REPORT_SCHEMA, createdAt: new Date().toISOString(), runs: [...runs.values()], tests: [...tests.values()] }
}

/** Reads a `voice-report.json`; throws `VoiceReportFormatError` naming the file when it is not one. */
export async function readVoiceReport(path: string): Promise<VoiceReport> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new VoiceReportFormatError(`readVoiceReport: cannot read ${path}: ${(err as Error).message}`, { cause: err })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new VoiceReportFormatError(`readVoiceReport: ${path} is not JSON: ${(err as Error).message}`, { cause: err })
  }
  checkReport(parsed, `readVoiceReport: ${path}`)
  return parsed
}

function checkReport(value: unknown, where: string): asserts value is VoiceReport {
  const r = value as Partial<VoiceReport> | null
  if (r === null || typeof r !== 'object') throw new VoiceReportFormatError(`${where} is not a voice report (got ${value === null ? 'null' : typeof value})`)
  if (r.schema !== VOICE_REPORT_SCHEMA) {
    throw new VoiceReportFormatError(`${where} is not a voice report: "schema" is ${JSON.stringify(r.schema)}, expected "${VOICE_REPORT_SCHEMA}"`)
  }
  if (!Array.isArray(r.runs) || !Array.isArray(r.tests)) throw new VoiceReportFormatError(`${where}: "runs" and "tests" must be arrays`)
  for (const t of r.tests) {
    if (!t || typeof t.id !== 'string' || !Array.isArray(t.attempts)) throw new VoiceReportFormatError(`${where}: a test without "id" or "attempts"`)
  }
}

/** Built-in metrics of every turn, in report order. */
export const TURN_METRICS = [
  { metric: 'firstAudio', label: 'first audio', unit: 'ms', read: (t: VoiceTestAttempt['turns'][number]) => t.firstAudioMs },
  { metric: 'firstSpeech', label: 'first speech', unit: 'ms', read: (t: VoiceTestAttempt['turns'][number]) => t.firstSpeechMs },
  { metric: 'interruptStop', label: 'interrupt stop', unit: 'ms', read: (t: VoiceTestAttempt['turns'][number]) => t.interruptStopMs },
  { metric: 'wer', label: 'user transcription WER', unit: '', read: (t: VoiceTestAttempt['turns'][number]) => t.wer },
] as const

export interface MetricSummary {
  metric: string
  label: string
  /** 'ms', or '' for ratios and custom values. */
  unit: string
  overall: ValueSummary
  tests: Array<{ id: string; summary: ValueSummary }>
  /** Every value, for the histogram. */
  values: number[]
}

export interface VerdictSummary {
  kind: string
  passed: number
  total: number
  tests: Array<{ id: string; passed: number; total: number; failures: Array<{ criteria?: string; reason?: string; model?: string }> }>
}

export interface TestSummary {
  id: string
  file: string
  name: string
  attempts: number
  failed: number
  turns: number
  recordings: Array<{ wav: string; timeline: string }>
}

export interface VoiceReportSummary {
  runs: number
  tests: TestSummary[]
  attempts: number
  failedAttempts: number
  turns: number
  metrics: MetricSummary[]
  verdicts: VerdictSummary[]
}

/** Per test and overall: n, p50, p95, p99, max of every metric, and verdict counts. */
export function summarizeVoiceReport(report: VoiceReport): VoiceReportSummary {
  const metricValues = new Map<string, { label: string; unit: string; byTest: Map<string, number[]> }>()
  const add = (metric: string, label: string, unit: string, test: string, value: number | null | undefined) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return
    const m = metricValues.get(metric) ?? { label, unit, byTest: new Map() }
    const list = m.byTest.get(test) ?? []
    list.push(value)
    m.byTest.set(test, list)
    metricValues.set(metric, m)
  }
  for (const { metric, label, unit } of TURN_METRICS) metricValues.set(metric, { label, unit, byTest: new Map() })
  const verdicts = new Map<string, Map<string, { passed: number; total: number; failures: VerdictSummary['tests'][number]['failures'] }>>()
  const tests: TestSummary[] = []
  let attempts = 0
  let failedAttempts = 0
  let turns = 0
  for (const test of report.tests) {
    const summary: TestSummary = { id: test.id, file: test.file, name: test.name, attempts: 0, failed: 0, turns: 0, recordings: [] }
    for (const a of test.attempts) {
      summary.attempts++
      if (a.state === 'failed') summary.failed++
      summary.turns += a.turns.length
      if (a.recording) summary.recordings.push(a.recording)
      for (const t of a.turns) for (const m of TURN_METRICS) add(m.metric, m.label, m.unit, test.id, m.read(t))
      for (const n of a.notes) {
        if (typeof n.value === 'number') add(n.kind, n.kind, '', test.id, n.value)
        if (typeof n.pass === 'boolean') {
          const byTest = verdicts.get(n.kind) ?? new Map()
          const v = byTest.get(test.id) ?? { passed: 0, total: 0, failures: [] }
          v.total++
          if (n.pass) v.passed++
          else if (v.failures.length < 20) v.failures.push({ criteria: n.criteria, reason: n.reason, model: n.model })
          byTest.set(test.id, v)
          verdicts.set(n.kind, byTest)
        }
      }
    }
    attempts += summary.attempts
    failedAttempts += summary.failed
    turns += summary.turns
    tests.push(summary)
  }
  const metrics: MetricSummary[] = []
  for (const [metric, m] of metricValues) {
    const values = [...m.byTest.values()].flat()
    const overall = summarize(values)
    if (!overall) continue
    metrics.push({
      metric,
      label: m.label,
      unit: m.unit,
      overall,
      tests: [...m.byTest].map(([id, list]) => ({ id, summary: summarize(list)! })),
      values,
    })
  }
  return {
    runs: report.runs.length,
    tests,
    attempts,
    failedAttempts,
    turns,
    metrics,
    verdicts: [...verdicts].map(([kind, byTest]) => {
      const list = [...byTest].map(([id, v]) => ({ id, ...v }))
      return { kind, passed: list.reduce((s, v) => s + v.passed, 0), total: list.reduce((s, v) => s + v.total, 0), tests: list }
    }),
  }
}
