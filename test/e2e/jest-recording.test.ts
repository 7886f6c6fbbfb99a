import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { transcribeSyntheticSpeech } from '../../src/audio/synthetic-voice.js'
import { readPcm16Wav } from '../helpers/wav-info.js'
import { parseXml, select } from '../helpers/xml.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

// Jest runs the CJS fixture against the built package, like the Jest example (npm test builds first).
describe.runIf(existsSync(join(root, 'dist/jest.cjs')))('failure recordings under Jest (child Jest run on dist/)', () => {
  it('records the failing tests (voice matcher or not), prints the paths in their failure and leaves passing tests alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'expect-voice-jest-'))
    try {
      const out = join(dir, 'out')
      const report = join(dir, 'report.json')
      await new Promise<void>((resolve) =>
        execFile(
          process.execPath,
          [join(root, 'node_modules/jest/bin/jest.js'), '--config', 'test/e2e/jest-fixtures/jest.config.cjs', '--json', `--outputFile=${report}`],
          { cwd: root, env: { ...process.env, EXPECT_VOICE_E2E_DIR: out, EXPECT_VOICE_ARTIFACTS: '', FORCE_COLOR: '0' }, timeout: 60_000 },
          () => resolve(),
        ),
      )
      const json = JSON.parse(await readFile(report, 'utf8')) as {
        testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>
      }
      const byTitle = Object.fromEntries(json.testResults[0]!.assertionResults.map((t) => [t.title, t]))
      expect(byTitle.passes!.status).toBe('passed')

      for (const title of ['fails on purpose', 'fails outside a voice matcher']) {
        const t = byTitle[title]!
        expect(t.status).toBe('failed')
        const slug = title.replace(/ /g, '-')
        expect(t.failureMessages.join('\n').match(/Voice recording of this test/g)).toHaveLength(1)
        expect(t.failureMessages.join('\n')).toMatch(
          new RegExp(
            `Voice recording of this test:\\n {2}audio: {4}\\S+recording\\.jest__booking-${slug}\\.wav \\(user: left channel, agent: right channel\\)`,
          ),
        )
      }
      const files = (await readdir(out)).sort()
      expect(files).toEqual([
        'test-e2e-jest-fixtures-recording.jest__booking-fails-on-purpose.timeline.svg',
        'test-e2e-jest-fixtures-recording.jest__booking-fails-on-purpose.wav',
        'test-e2e-jest-fixtures-recording.jest__booking-fails-outside-a-voice-matcher.timeline.svg',
        'test-e2e-jest-fixtures-recording.jest__booking-fails-outside-a-voice-matcher.wav',
      ])
      const wav = readPcm16Wav(await readFile(join(out, files[1]!)))
      expect(wav.channels).toBe(2)
      expect(transcribeSyntheticSpeech(Buffer.from(wav.channelData[0]!.buffer))).toBe('book a table for two')
      expect(transcribeSyntheticSpeech(Buffer.from(wav.channelData[1]!.buffer))).toBe('Your table is booked.')
      const svg = parseXml(await readFile(join(out, files[0]!), 'utf8'))
      expect(select(svg, 'path', { cls: 'waveform' })).toHaveLength(2)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
