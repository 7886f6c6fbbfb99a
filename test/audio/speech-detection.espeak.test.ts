import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSpeechDetector, detectSpeech, readWav, splitAudio } from '../../src/audio/index.js'
import { buildWav, gaussianNoise, parsePcm16Wav, toPcm16 } from './helpers.js'

// Real speech from espeak-ng (Debian package `espeak-ng`; CI installs it). Without it the test is skipped, visibly.
const hasEspeak = spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' }).status === 0

const PAD_MS = 400
const NOISE_DB = -60
const TOLERANCE_MS = 30
/** Reference onset: first 5 ms window (of the clean, unpadded file) whose peak exceeds this (-50 dBFS peak). */
const REF_PEAK = 100

const cases: Array<{ voice: string; speed: number; text: string; extra?: string[] }> = [
  { voice: 'en', speed: 175, text: 'Hello, how can I help you today?' },
  { voice: 'en-us', speed: 140, text: 'Sure, your order ships tomorrow morning.' },
  { voice: 'en', speed: 260, text: 'Please hold while I check that for you.' },
  { voice: 'en-us+f3', speed: 175, text: 'Thank you for calling.' },
  { voice: 'en+m3', speed: 120, text: 'Six seven eight.' },
  { voice: 'en-gb-scotland', speed: 200, text: 'Few fish feel fine.' },
  { voice: 'en+whisper', speed: 160, text: 'Hello there.' },
  { voice: 'en-us', speed: 175, text: 'Fine, thanks.', extra: ['-a', '25'] }, // quiet, starts with a soft fricative
  { voice: 'de', speed: 160, text: 'Guten Tag, wie kann ich helfen?' },
  { voice: 'fr', speed: 175, text: 'Bonjour, je vous écoute.' },
]

function referenceOnsetMs(samples: Int16Array, rate: number): number {
  const win = Math.round(rate * 0.005)
  for (let i = 0; i + win <= samples.length; i += win) {
    let peak = 0
    for (let k = i; k < i + win; k++) peak = Math.max(peak, Math.abs(samples[k]))
    if (peak > REF_PEAK) return (i * 1000) / rate
  }
  throw new Error('no speech in the espeak output')
}

describe('detectSpeech on real speech (espeak-ng)', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ev-espeak-'))
  })
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it.skipIf(!hasEspeak)(
    hasEspeak
      ? `finds the onset within ${TOLERANCE_MS} ms after ${PAD_MS} ms of ${NOISE_DB} dBFS noise, for several voices and speeds`
      : 'real-speech onsets [SKIPPED: espeak-ng is not installed; apt-get install -y espeak-ng]',
    async () => {
      const errors: number[] = []
      for (const [i, c] of cases.entries()) {
        const file = join(dir, `s${i}.wav`)
        execFileSync('espeak-ng', ['-v', c.voice, '-s', String(c.speed), ...(c.extra ?? []), '-w', file, c.text])
        const { rate, samples } = parsePcm16Wav(readFileSync(file))
        const pad = Math.round((PAD_MS * rate) / 1000)
        const reference = referenceOnsetMs(samples, rate) + (pad * 1000) / rate

        // Noise under the whole file, so the detector sees speech in noise, not speech after noise.
        const mixed = gaussianNoise(pad + samples.length, NOISE_DB, 100 + i)
        for (let k = 0; k < samples.length; k++) mixed[pad + k] += samples[k]
        const wav = buildWav({ formatTag: 1, channels: 1, sampleRate: rate, bitsPerSample: 16, data: toPcm16(mixed) })

        // The whole pipeline: WAV at espeak's 22.05 kHz → 24 kHz → VAD, in one piece and streamed.
        const audio = await readWav(wav)
        const r = detectSpeech(audio)
        const d = createSpeechDetector()
        let streamed: number | null = null
        for (const chunk of splitAudio(audio)) streamed = d.push(chunk) ?? streamed
        const err = (r.firstSpeechMs as number) - reference
        errors.push(err)
        const label = `${c.voice} @${c.speed} "${c.text}": reference ${reference.toFixed(1)} ms, detected ${r.firstSpeechMs} ms`
        expect(r.firstSpeechMs, label).not.toBeNull()
        expect(Math.abs(err), label).toBeLessThanOrEqual(TOLERANCE_MS)
        expect(streamed, label).toBe(r.firstSpeechMs)
        expect(r.segments.at(-1)!.endMs, label).toBeGreaterThan(r.firstSpeechMs! + 300)
      }
      if (process.env.EXPECT_VOICE_AUDIO_STATS) {
        const abs = errors.map(Math.abs)
        console.info(
          `espeak onset error over ${errors.length} utterances: max ${Math.max(...abs).toFixed(1)} ms, mean ${(abs.reduce((a, b) => a + b, 0) / abs.length).toFixed(1)} ms, signed ${errors.map((e) => e.toFixed(1)).join(' ')}`,
        )
      }
    },
  )
})
