/**
 * `expect-voice/jest-reporter`: the run report for Jest (CommonJS, as Jest loads reporters with `require`).
 * `reporters: ['default', ['expect-voice/jest-reporter', { budgets }]]`. Jest gives reporters no per-test metadata,
 * so measurements travel through a run directory (see run-report/channel.ts); the table goes to stderr with Jest's
 * own summary, and an exceeded budget is the reporter's error (`getLastError`), which fails the run.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { performance } from 'node:perf_hooks'
import { VoiceBudgetError } from './errors/index.js'
import { createRedactor } from './secrets/redact.js'
import { readChannelLines, REPORT_DIR_ENV } from './run-report/channel.js'
import { finishVoiceRun, resolveReporterOptions, type ResolvedReporterOptions, type VoiceReporterOptions } from './run-report/finish.js'
import { buildVoiceReport, type RunTestAttempts } from './run-report/report.js'

/** The parts of Jest's global config the reporter reads. */
export interface JestGlobalConfigLike {
  rootDir: string
}

const NAME = 'expect-voice/jest-reporter'

export class VoiceJestReporter {
  readonly #options: ResolvedReporterOptions
  readonly #root: string
  readonly #dir: string
  #error: Error | undefined
  #started = new Date()
  #startedAt = performance.now()

  constructor(globalConfig: JestGlobalConfigLike, options?: VoiceReporterOptions) {
    this.#root = globalConfig?.rootDir ?? process.cwd()
    this.#options = resolveReporterOptions(options, this.#root, NAME)
    // Made before Jest starts its workers: they inherit the variable and append their lines here.
    this.#dir = mkdtempSync(join(tmpdir(), 'expect-voice-report-'))
    process.env[REPORT_DIR_ENV] = this.#dir
  }

  onRunStart(): void {
    this.#started = new Date()
    this.#startedAt = performance.now()
    this.#error = undefined
    // Watch mode: a new run starts with an empty directory.
    rmSync(this.#dir, { recursive: true, force: true })
    mkdirSync(this.#dir, { recursive: true })
  }

  async onRunComplete(): Promise<void> {
    const { lines, skipped } = readChannelLines(this.#dir)
    rmSync(this.#dir, { recursive: true, force: true })
    const redact = createRedactor()
    const byTest = new Map<string, RunTestAttempts & { attempts: RunTestAttempts['attempts'][number][] }>()
    for (const line of lines) {
      const file = line.file ? relative(this.#root, line.file).split('\\').join('/') : ''
      const key = `${file}\u0000${line.name}`
      const entry = byTest.get(key) ?? { file, name: redact(line.name), attempts: [] }
      entry.attempts.push(line.attempt)
      byTest.set(key, entry)
    }
    const run = buildVoiceReport({ runner: 'jest', startedAt: this.#started, durationMs: performance.now() - this.#startedAt }, [...byTest.values()])
    try {
      const finished = await finishVoiceRun(run, this.#options)
      // An exceeded budget is always printed: it is why the run fails.
      if (this.#options.table || finished.failed)
        process.stderr.write(`\n${finished.text}${skipped ? `\n(${skipped} unreadable measurement lines skipped)` : ''}\n\n`)
      if (finished.failed) {
        this.#error = new VoiceBudgetError(
          `voice budgets exceeded: ${finished.budgets
            .filter((b) => !b.pass)
            .map((b) => `${b.metric} ${b.stat}`)
            .join(', ')}`,
        )
      }
    } catch (err) {
      this.#error = err instanceof Error ? err : new Error(String(err))
      process.stderr.write(`${NAME}: the voice report could not be written: ${this.#error.message}\n`)
    }
  }

  /** Jest fails the run when a reporter has an error. */
  getLastError(): Error | undefined {
    return this.#error
  }
}

export default VoiceJestReporter

export * from './run-report/public.js'
