/**
 * Run report cost (`npm run bench`, section `report`), in a fresh process on the built package:
 * - measuring at teardown is dominated by speech timing (first speech of every response): ms per minute of agent
 *   audio, 100 ms chunks, median of 7;
 * - writing the report: `writeVoiceReport` (JSON + HTML) of 200 tests × 5 attempts × 20 turns (20,000 turns),
 *   median of 3, and the bytes of JSON per turn.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { PCM_RATE, synthesizeSpeech } from 'expect-voice'
import { responseSpeechTiming } from 'expect-voice/audio'
import { buildVoiceReport, writeVoiceReport } from 'expect-voice/reporter'

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

// One minute of the synthetic voice (speech and pauses), as 100 ms chunks that arrived 10 ms apart.
const sentence = synthesizeSpeech('Sure, your table for two is booked for seven pm. Is there anything else?')
const chunkBytes = (PCM_RATE / 10) * 2
const minute = Buffer.alloc(PCM_RATE * 60 * 2)
for (let at = 0; at < minute.length; at += sentence.length) sentence.copy(minute, at, 0, Math.min(sentence.length, minute.length - at))
const audio = []
for (let at = 0, t = 0; at < minute.length; at += chunkBytes, t += 10)
  audio.push({ data: minute.subarray(at, at + chunkBytes), sampleRate: PCM_RATE, receivedAt: t })
const measureMs = []
for (let i = 0; i < 7; i++) {
  const t0 = performance.now()
  const timing = responseSpeechTiming({ audio, interruptedAt: null })
  measureMs.push(performance.now() - t0)
  if (timing.firstSpeechAt === null) throw new Error('no speech found in the benchmark audio')
}

const turns = (seed) =>
  Array.from({ length: 20 }, (_, i) => {
    const ms = 300 + ((seed * 131 + i * 37) % 700) + 0.1 * (i % 10)
    return {
      turn: i + 1,
      input: 'audio',
      firstAudioMs: ms,
      firstSpeechMs: ms + 180.5,
      interruptStopMs: i % 5 === 0 ? 42.3 : null,
      wer: i % 4 === 0 ? 0.05 : null,
    }
  })
const tests = Array.from({ length: 200 }, (_, t) => ({
  file: `suite-${t % 10}.test.ts`,
  name: `call flow ${t} > answers the caller`,
  attempts: Array.from({ length: 5 }, (_, a) => ({
    repeat: a,
    retry: 0,
    state: a === 4 && t % 7 === 0 ? 'failed' : 'passed',
    turns: turns(t * 5 + a),
    notes: [],
  })),
}))
const dir = mkdtempSync(join(tmpdir(), 'expect-voice-bench-report-'))
const writeMs = []
let jsonBytes = 0
let htmlBytes = 0
try {
  for (let i = 0; i < 3; i++) {
    const report = buildVoiceReport({ runner: 'vitest', startedAt: new Date(), durationMs: 1000 }, tests)
    const t0 = performance.now()
    const out = await writeVoiceReport(report, { outputDir: dir, budgets: { firstSpeech: { p95: 1200 } } })
    writeMs.push(performance.now() - t0)
    jsonBytes = statSync(out.files.json).size
    htmlBytes = statSync(out.files.html).size
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
process.send({ result: { measureMsPerMinute: median(measureMs), writeMs: median(writeMs), turns: 200 * 5 * 20, jsonBytes, htmlBytes } }, () =>
  process.disconnect(),
)
