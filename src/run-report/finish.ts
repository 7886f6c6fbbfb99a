/**
 * The end of a run, shared by the Vitest and Jest reporters: merge earlier reports when asked, summarise, check the
 * budgets, write `voice-report.json` and `voice-report.html`, and give back the table to print.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { InvalidOptionError } from '../errors/index.js'
import { checkVoiceBudgets, voiceBudgets, type BudgetResult, type VoiceBudgets } from './budgets.js'
import { renderVoiceReportHtml } from './html.js'
import type { VoiceReport } from './model.js'
import { mergeVoiceReports, readVoiceReport, summarizeVoiceReport, type VoiceReportSummary } from './report.js'
import { formatVoiceReportTable } from './table.js'
import { createRedactor } from '../secrets/redact.js'

export interface VoiceReporterOptions {
  /**
   * Where `voice-report.json` and `voice-report.html` go, relative to the project root. Default `'voice-report'`;
   * the `EXPECT_VOICE_REPORT_OUTPUT` environment variable wins.
   */
  outputDir?: string
  /**
   * Limits for the whole run (`voiceBudgets({ firstSpeech: { p95: 1200 } })`): when one is exceeded the run fails
   * (exit code 1) and the table says which. The `EXPECT_VOICE_BUDGETS` environment variable (the same object as
   * JSON) replaces them, e.g. to tighten them in CI.
   */
  budgets?: VoiceBudgets
  /** Earlier `voice-report.json` files to aggregate with this run (relative to the project root). Default none. */
  merge?: string[]
  /** Write `voice-report.json`. Default true. */
  json?: boolean
  /** Write `voice-report.html`. Default true. */
  html?: boolean
  /** Print the table at the end of the run. Default true. */
  table?: boolean
  /** Title of the HTML page. Default `'Voice report'`. */
  title?: string
}

export interface ResolvedReporterOptions {
  outputDir: string
  budgets: Readonly<VoiceBudgets> | undefined
  merge: string[]
  json: boolean
  html: boolean
  table: boolean
  title: string | undefined
}

const KNOWN = ['outputDir', 'budgets', 'merge', 'json', 'html', 'table', 'title']

/** Checks the reporter's options (when the config loads) and applies the environment overrides. */
export function resolveReporterOptions(options: VoiceReporterOptions | undefined, root: string, reporter: string): ResolvedReporterOptions {
  const o = options ?? {}
  if (typeof o !== 'object' || Array.isArray(o)) throw new InvalidOptionError(`${reporter}: options must be an object, got ${typeof o}`)
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) throw new InvalidOptionError(`${reporter}: unknown option "${key}" (known: ${KNOWN.join(', ')})`)
  }
  const outputDir = process.env.EXPECT_VOICE_REPORT_OUTPUT || o.outputDir || 'voice-report'
  if (typeof outputDir !== 'string') throw new InvalidOptionError(`${reporter}: option "outputDir" must be a string, got ${typeof outputDir}`)
  if (o.merge !== undefined && (!Array.isArray(o.merge) || o.merge.some((f) => typeof f !== 'string'))) {
    throw new InvalidOptionError(`${reporter}: option "merge" must be an array of file paths`)
  }
  for (const key of ['json', 'html', 'table'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean')
      throw new InvalidOptionError(`${reporter}: option "${key}" must be a boolean, got ${typeof o[key]}`)
  }
  let budgets = o.budgets === undefined ? undefined : voiceBudgets(o.budgets)
  const fromEnv = process.env.EXPECT_VOICE_BUDGETS
  if (fromEnv) {
    let parsed: unknown
    try {
      parsed = JSON.parse(fromEnv)
    } catch (err) {
      throw new InvalidOptionError(`${reporter}: EXPECT_VOICE_BUDGETS is not JSON (${(err as Error).message})`)
    }
    budgets = voiceBudgets(parsed as VoiceBudgets)
  }
  return {
    outputDir: resolve(root, outputDir),
    budgets,
    merge: (o.merge ?? []).map((f) => resolve(root, f)),
    json: o.json ?? true,
    html: o.html ?? true,
    table: o.table ?? true,
    title: o.title,
  }
}

export interface FinishedVoiceRun {
  report: VoiceReport
  summary: VoiceReportSummary
  budgets: BudgetResult[]
  /** True when a budget was exceeded. */
  failed: boolean
  /** The table, budgets and where the files went: what the reporter prints. */
  text: string
  files: { json?: string; html?: string }
}

/** Writes the report of `run` (merged with `options.merge`) and says whether the budgets hold. */
export async function finishVoiceRun(run: VoiceReport, options: ResolvedReporterOptions): Promise<FinishedVoiceRun> {
  const earlier = await Promise.all(options.merge.map((f) => readVoiceReport(f)))
  const report = earlier.length ? mergeVoiceReports(...earlier, run) : run
  return writeVoiceReport(report, options)
}

/** Summarises `report`, checks `budgets`, and writes the JSON and HTML files into `outputDir`. */
export async function writeVoiceReport(
  report: VoiceReport,
  options: { outputDir: string; budgets?: Readonly<VoiceBudgets>; json?: boolean; html?: boolean; title?: string },
): Promise<FinishedVoiceRun> {
  // Whatever a caller put into the report, nothing key-shaped is written or printed (`sk-…`, bearer tokens).
  const redact = createRedactor()
  const summary = summarizeVoiceReport(report)
  const budgets = checkVoiceBudgets(summary, options.budgets)
  const failed = budgets.some((b) => !b.pass)
  const files: FinishedVoiceRun['files'] = {}
  const outputDir = resolve(options.outputDir)
  if (options.json !== false || options.html !== false) await mkdir(outputDir, { recursive: true })
  if (options.json !== false) {
    files.json = join(outputDir, 'voice-report.json')
    await writeFile(files.json, `${redact(JSON.stringify(report, null, 1))}\n`)
  }
  if (options.html !== false) {
    files.html = join(outputDir, 'voice-report.html')
    await writeFile(files.html, redact(renderVoiceReportHtml(report, summary, budgets, { outputDir, title: options.title })))
  }
  const written = [files.json, files.html].filter(Boolean)
  const text = redact(
    formatVoiceReportTable(summary, budgets) +
      (failed ? `\n\nVoice budgets exceeded: ${budgets.filter((b) => !b.pass).length} of ${budgets.length}.` : '') +
      (written.length ? `\n\nVoice report: ${written.join(', ')}` : ''),
  )
  return { report, summary, budgets, failed, text, files }
}
