/**
 * `expect-voice/reporter`: a Vitest reporter that collects every voice test's per-turn measurements (first audio,
 * first speech, interrupt stop time, user transcription WER, verdicts) and, at the end of the run, prints a table
 * (per test and overall: n, p50, p95, p99, max), writes `voice-report.json` and `voice-report.html`, and fails the
 * run when a budget is exceeded. `reporters: ['default', ['expect-voice/reporter', { budgets }]]`.
 *
 * It imports nothing from Vitest: the reporter API it uses is typed structurally below.
 */
import { relative } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createRedactor } from './secrets/redact.js'
import { META_KEY, REPORT_ENV } from './run-report/channel.js'
import { finishVoiceRun, resolveReporterOptions, type ResolvedReporterOptions, type VoiceReporterOptions } from './run-report/finish.js'
import type { VoiceAttemptPayload } from './run-report/model.js'
import { buildVoiceReport, type RunTestAttempts } from './run-report/report.js'

/** The parts of Vitest's `TestCase` the reporter reads. */
export interface VitestTestCaseLike {
  fullName: string
  meta(): object
}

/** The parts of Vitest's `TestModule` the reporter reads. */
export interface VitestTestModuleLike {
  moduleId: string
  children: { allTests(): Iterable<VitestTestCaseLike> }
}

/** The parts of the `Vitest` instance the reporter reads. */
export interface VitestLike {
  config: { root: string }
  logger?: { log(...messages: unknown[]): void; error(...messages: unknown[]): void }
}

const NAME = 'expect-voice/reporter'

export class VoiceReporter {
  readonly #raw: VoiceReporterOptions | undefined
  #options: ResolvedReporterOptions
  #root = process.cwd()
  #logger: NonNullable<VitestLike['logger']> | undefined
  #started = new Date()
  #startedAt = performance.now()

  constructor(options?: VoiceReporterOptions) {
    this.#raw = options
    // Checked now, so a bad option fails when the config loads.
    this.#options = resolveReporterOptions(options, this.#root, NAME)
    process.env[REPORT_ENV] = '1'
  }

  onInit(vitest: VitestLike): void {
    this.#root = vitest.config.root
    this.#logger = vitest.logger
    this.#options = resolveReporterOptions(this.#raw, this.#root, NAME)
    // Workers start after this: they inherit the variable and measure every attempt (see run-report/channel.ts).
    process.env[REPORT_ENV] = '1'
  }

  onTestRunStart(): void {
    this.#started = new Date()
    this.#startedAt = performance.now()
  }

  async onTestRunEnd(testModules: ReadonlyArray<VitestTestModuleLike>): Promise<void> {
    const redact = createRedactor()
    const tests: RunTestAttempts[] = []
    for (const module of testModules) {
      const file = relative(this.#root, module.moduleId).split('\\').join('/')
      for (const test of module.children.allTests()) {
        const attempts = (test.meta() as Record<string, unknown>)[META_KEY]
        if (!Array.isArray(attempts) || attempts.length === 0) continue
        tests.push({ file, name: redact(test.fullName), attempts: attempts as VoiceAttemptPayload[] })
      }
    }
    const run = buildVoiceReport({ runner: 'vitest', startedAt: this.#started, durationMs: performance.now() - this.#startedAt }, tests)
    try {
      const finished = await finishVoiceRun(run, this.#options)
      // An exceeded budget is always printed: it is why the run fails.
      if (this.#options.table || finished.failed) this.#log(`\n${finished.text}\n`)
      if (finished.failed) process.exitCode = 1
    } catch (err) {
      this.#error(`${NAME}: the voice report could not be written: ${(err as Error)?.message ?? String(err)}`)
      process.exitCode = 1
    }
  }

  #log(text: string): void {
    if (this.#logger) this.#logger.log(text)
    else process.stdout.write(`${text}\n`)
  }

  #error(text: string): void {
    if (this.#logger) this.#logger.error(text)
    else process.stderr.write(`${text}\n`)
  }
}

export default VoiceReporter

export * from './run-report/public.js'
