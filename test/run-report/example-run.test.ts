/**
 * The run report end to end (issue #15, "Done when"): the example suite of examples/run-report runs in a child
 * Vitest (each test three times, `repeats: 2`) and a child Jest, offline, with budgets tightened through
 * EXPECT_VOICE_BUDGETS so that one is exceeded. Each run must print the table, write voice-report.json and
 * voice-report.html, and exit non-zero. The HTML page is then loaded in headless Chromium: no console or page
 * errors, the table rows, the histograms, the budgets and the recording links are checked, and a screenshot taken.
 * Both children start at once (beforeAll); they need the build (`npm test` builds first).
 */
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { VoiceReport } from '../../src/run-report/model.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))

interface Child {
  exitCode: number
  output: string
  dir: string
}

function run(command: (dir: string) => string[], dir: string, budgets: object): Promise<Child> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      command(dir),
      {
        cwd: root,
        env: {
          ...process.env,
          FORCE_COLOR: '0',
          NO_COLOR: '1',
          EXPECT_VOICE_REPORT_OUTPUT: join(dir, 'report'),
          EXPECT_VOICE_ARTIFACTS_DIR: join(dir, 'artifacts'),
          EXPECT_VOICE_BUDGETS: JSON.stringify(budgets),
          // The parent's own reporter variables must not leak into the children.
          EXPECT_VOICE_REPORT: '',
          EXPECT_VOICE_REPORT_DIR: '',
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => resolve({ exitCode: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr, dir }),
    )
  })
}

const readReport = (child: Child) => JSON.parse(readFileSync(join(child.dir, 'report', 'voice-report.json'), 'utf8')) as VoiceReport

let vitest: Child
let jest: Child
const dirs: string[] = []
/** Chromium starts while the children run (it takes most of a second). */
let launching: Promise<import('playwright-core').Browser> | null = null

async function launchChromium(): Promise<import('playwright-core').Browser> {
  const { chromium: browserType } = await import('playwright-core')
  // Playwright gives every launch a fresh profile; the flags keep Chromium off the (closed) network.
  return browserType.launch({
    executablePath: chromium,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

beforeAll(async () => {
  // The example imports the package itself (expect-voice/reporter): its build.
  if (!existsSync(join(root, 'dist/reporter.js')) || !existsSync(join(root, 'dist/jest-reporter.cjs'))) {
    throw new Error('test/run-report/example-run.test.ts runs the built package: run `npm run build` first (npm test does)')
  }
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'expect-voice-run-report-'))
    dirs.push(d)
    return d
  }
  if (chromium) {
    launching = launchChromium()
    // A failed launch fails the page test, not this hook.
    launching.catch(() => {})
  }
  // firstSpeech p95 ≤ 5 ms cannot hold on the fake server (its latency is 40-100 ms): the run must fail.
  ;[vitest, jest] = await Promise.all([
    run(
      (d) => [
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'examples/run-report/vitest.config.ts',
        `--attachmentsDir=${join(d, 'attachments')}`,
      ],
      dir(),
      { firstAudio: { p95: 800 }, firstSpeech: { p95: 5 }, interruptStop: { max: 500 }, wer: { max: 0.2 } },
    ),
    run(() => [join(root, 'node_modules/jest/bin/jest.js'), '--config', 'examples/run-report/jest.config.cjs'], dir(), { firstAudio: { p95: 5 } }),
  ])
}, 90_000)

afterAll(async () => {
  await launching?.then((b) => b.close()).catch(() => {})
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('the example suite under Vitest (three runs of each test, one budget exceeded)', () => {
  it('prints the table and the exceeded budget, and exits non-zero although every test passed', () => {
    expect(vitest.output).toMatch(/Tests {2}3 passed \| 1 expected fail \(4\)/)
    expect(vitest.output).toContain('Voice report: 1 run, 4 tests (12 attempts, 3 failed), 15 turns')
    expect(vitest.output).toMatch(/first audio, ms +n +p50 +p95 +p99 +max/)
    expect(vitest.output).toMatch(/ {2}call center > answers turn after turn +6 +\d+ +\d+ +\d+ +\d+/)
    expect(vitest.output).toMatch(/ {2}all tests +15 +\d+/)
    expect(vitest.output).toMatch(/interrupt stop, ms +n/)
    expect(vitest.output).toMatch(/user transcription WER +n/)
    expect(vitest.output).toMatch(/✗ firstSpeech p95 ≤ 5 ms: \d+ ms \(over 15 values, \d+ ms over\)/)
    expect(vitest.output).toMatch(/✓ firstAudio p95 ≤ 800 ms/)
    expect(vitest.output).toContain('Voice budgets exceeded: 1 of 4.')
    expect(vitest.exitCode).not.toBe(0)
  })

  it('writes voice-report.json: every attempt of every repeat, per turn, with the failure recordings', () => {
    const report = readReport(vitest)
    expect(report.schema).toBe('expect-voice/voice-report@1')
    expect(report.runs).toHaveLength(1)
    expect(report.runs[0]!.runner).toBe('vitest')
    expect(report.tests.map((t) => t.name).sort()).toEqual([
      'call center > answers turn after turn',
      'call center > books a table',
      'call center > knows the opening hours on holidays (known bug)',
      'call center > stops talking when interrupted',
    ])
    for (const t of report.tests) {
      expect(t.file).toBe('call-center.test.ts')
      expect(t.attempts.map((a) => a.repeat)).toEqual([0, 1, 2])
    }
    const byName = (name: string) => report.tests.find((t) => t.name.endsWith(name))!
    const turns = byName('answers turn after turn').attempts.flatMap((a) => a.turns)
    expect(turns).toHaveLength(6)
    for (const t of turns) {
      expect(t.firstAudioMs).toBeGreaterThanOrEqual(39)
      expect(t.firstSpeechMs).toBeGreaterThanOrEqual(t.firstAudioMs!)
    }
    const booking = byName('books a table').attempts.flatMap((a) => a.turns)
    expect(booking.map((t) => t.wer)).toEqual([0, 0, 0])
    const interrupts = byName('stops talking when interrupted').attempts.flatMap((a) => a.turns)
    for (const t of interrupts) expect(t.interruptStopMs).toBeLessThan(300)
    const knownBug = byName('(known bug)').attempts
    expect(knownBug.map((a) => a.state)).toEqual(['failed', 'failed', 'failed'])
    for (const a of knownBug) {
      expect(existsSync(a.recording!.wav)).toBe(true)
      expect(existsSync(a.recording!.timeline)).toBe(true)
    }
    // Three repeats of a failing test write three recordings (one per attempt), not one overwritten file.
    expect(new Set(knownBug.map((a) => a.recording!.wav)).size).toBe(3)
    expect(byName('books a table').attempts.every((a) => a.state === 'passed' && !a.recording)).toBe(true)
  })
})

describe('the example suite under Jest (the reporter loaded with require, one budget exceeded)', () => {
  it('prints the table, writes the report and exits non-zero', () => {
    expect(jest.output).toMatch(/Tests: +2 passed, 2 total/)
    expect(jest.output).toContain('Voice report: 1 run, 2 tests (2 attempts), 3 turns')
    expect(jest.output).toMatch(/✗ firstAudio p95 ≤ 5 ms: \d+ ms/)
    expect(jest.exitCode).not.toBe(0)
    const report = readReport(jest)
    expect(report.runs[0]!.runner).toBe('jest')
    expect(report.tests.map((t) => [t.file, t.name])).toEqual([
      ['call-center.test.cjs', 'call center books a table'],
      ['call-center.test.cjs', 'call center answers turn after turn'],
    ])
    expect(report.tests[0]!.attempts[0]!.turns[0]!.wer).toBe(0)
    expect(report.tests[1]!.attempts[0]!.turns.map((t) => t.turn)).toEqual([1, 2])
  })
})

describe.skipIf(!chromium)('the HTML page in headless Chromium (apt-get install -y chromium)', () => {
  it('renders without errors: budgets, a histogram per metric, a row per test, links to the recordings; screenshot', async () => {
    const browser = await launching!
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
      const problems: string[] = []
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`)
      })
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`))
      const requests: string[] = []
      page.on('request', (r) => requests.push(r.url()))
      const html = join(vitest.dir, 'report', 'voice-report.html')
      await page.goto(pathToFileURL(html).href, { waitUntil: 'load' })

      expect(await page.textContent('h1')).toBe('Voice report')
      expect(await page.textContent('.overview')).toMatch(/1 run · 4 tests · 12 attempts \(3 failed\) · 15 turns/)
      expect(await page.locator('#budgets li.budget.fail').allTextContents()).toEqual([expect.stringMatching(/^✗ firstSpeech p95 ≤ 5 ms/)])
      expect(await page.locator('#budgets li.budget.pass').count()).toBe(3)
      // One histogram per metric, each with bars and its p50/p95 markers, laid out at its full size.
      const metrics = await page.locator('svg.histogram').evaluateAll((svgs) =>
        svgs.map((s) => ({
          metric: s.getAttribute('data-metric'),
          bars: s.querySelectorAll('rect.bar').length,
          markers: s.querySelectorAll('line.marker').length,
          width: s.getBoundingClientRect().width,
        })),
      )
      expect(metrics.map((m) => m.metric)).toEqual(['firstAudio', 'firstSpeech', 'interruptStop', 'wer'])
      for (const m of metrics) {
        expect(m.bars).toBeGreaterThan(0)
        expect(m.markers).toBe(2)
        expect(m.width).toBeGreaterThan(300)
      }
      const rows = await page
        .locator('table.tests tbody tr.test')
        .evaluateAll((trs) =>
          trs.map((tr) => ({ id: tr.getAttribute('data-test-id'), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '') })),
        )
      expect(rows.map((r) => r.cells[0])).toEqual([
        'call center > books a tablecall-center.test.ts',
        'call center > answers turn after turncall-center.test.ts',
        'call center > stops talking when interruptedcall-center.test.ts',
        'call center > knows the opening hours on holidays (known bug)call-center.test.ts',
      ])
      expect(rows[1]!.cells.slice(1, 3)).toEqual(['3 / 3', '6'])
      expect(rows[3]!.cells[1]).toBe('0 / 3 (3 failed)')
      // The failing test links each attempt's recording; the links resolve to the files.
      const links = (await page.locator('tr.has-failures a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))).map(
        (href) => new URL(href, pathToFileURL(html)).href,
      )
      expect(links.length).toBeGreaterThanOrEqual(2)
      for (const href of links) {
        const file = fileURLToPath(href)
        expect(statSync(file).size).toBeGreaterThan(0)
      }
      expect(links.some((l) => l.endsWith('.wav'))).toBe(true)
      expect(links.some((l) => l.endsWith('.svg'))).toBe(true)
      expect(await page.locator('table.tests tbody tr.test:not(.has-failures) a').count()).toBe(0)
      // Nothing but the page itself was loaded: no external assets.
      expect(requests).toEqual([pathToFileURL(html).href])

      const screenshot = join(vitest.dir, 'voice-report.png')
      await page.screenshot({ path: screenshot, fullPage: true })
      expect(statSync(screenshot).size).toBeGreaterThan(10_000)
      if (process.env.RUN_REPORT_SCREENSHOT) copyFileSync(screenshot, process.env.RUN_REPORT_SCREENSHOT)
      expect(problems).toEqual([])
    } finally {
      await browser.close()
      launching = null
    }
  }, 30_000)
})
