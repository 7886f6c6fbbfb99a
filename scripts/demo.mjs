#!/usr/bin/env node
/**
 * `npm run demo`: the example voice tests (green), then one conversation that fails on purpose
 * (examples/demo/failing-conversation.test.ts), to show what a failure gives you: the matcher's message with its
 * word alignment and timings, the stereo WAV (caller left, agent right) and the SVG timeline, and a PNG of the
 * timeline when `rsvg-convert` is installed. Offline: everything talks to the built-in fake server.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const say = (line = '') => process.stdout.write(`${line}\n`)

const examples = spawnSync(npm, ['run', 'examples'], { cwd: root, stdio: 'inherit' })
if (examples.status !== 0) process.exit(examples.status ?? 1)

const work = mkdtempSync(join(tmpdir(), 'expect-voice-demo-'))
const artifacts = join(root, '.voice-artifacts', 'demo')
try {
  const report = join(work, 'report.json')
  say('\n── A failing conversation (on purpose) ──────────────────────────────────────────────\n')
  spawnSync(
    process.execPath,
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'examples/demo/vitest.config.ts', '--reporter=json', `--outputFile=${report}`],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, EXPECT_VOICE_ARTIFACTS_DIR: artifacts, NO_COLOR: '1', FORCE_COLOR: '0' } },
  )
  if (!existsSync(report)) throw new Error('the demo test did not run (no report)')
  const results = JSON.parse(readFileSync(report, 'utf8')).testResults.flatMap((f) => f.assertionResults)
  const failed = results.find((t) => t.status === 'failed')
  if (!failed) throw new Error(`the demo test was meant to fail, but: ${results.map((t) => `${t.fullName}: ${t.status}`).join(', ')}`)
  const message = failed.failureMessages[0] ?? ''
  // The message ends with the recording's paths (the fixture appends them); print the message without its stack.
  say(`✗ ${failed.fullName}\n`)
  say(
    message
      .split('\n')
      .filter((line) => !/^\s+at /.test(line))
      .join('\n')
      .trim(),
  )
  const wav = /audio:\s+(\S+\.wav)/.exec(message)?.[1]
  const svg = /timeline:\s+(\S+\.svg)/.exec(message)?.[1]
  say()
  if (wav && svg) {
    const svgPath = join(root, svg)
    if (spawnSync('rsvg-convert', ['--version'], { stdio: 'ignore' }).status === 0) {
      const png = svgPath.replace(/\.svg$/, '.png')
      const converted = spawnSync('rsvg-convert', ['-o', png, svgPath], { stdio: 'inherit' })
      say(converted.status === 0 ? `PNG of the timeline: ${relative(root, png)}` : 'rsvg-convert could not render the timeline')
    } else {
      say('Install rsvg-convert (librsvg2-bin) to get a PNG of the timeline as well.')
    }
    say(`Listen to ${wav} (caller left, agent right); open ${svg} in a browser.`)
  } else {
    throw new Error('the failure message names no recording: failure recordings did not work')
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
