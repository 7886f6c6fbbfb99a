/**
 * Typed errors everywhere (issue #11, finding 5): bad input ends in an `ExpectVoiceError` subclass whose message
 * names the cause (the option, the file, the limit), never in a raw `ENOENT`, Node's own `RangeError`, a plain
 * `TypeError` or a `Map maximum size exceeded` after seconds of work.
 */
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { readWav, decodeWav } from '../../src/audio/wav.js'
import { silence, tone } from '../../src/audio/pcm16.js'
import { MAX_UPSAMPLING, resamplePcm16 } from '../../src/audio/resample.js'
import { MAX_GENERATED_BYTES } from '../../src/audio/pcm16.js'
import { AudioFormatError, ExpectVoiceError, InvalidOptionError } from '../../src/errors/index.js'
import { configureVoiceMatchers, matcherConfig } from '../../src/matchers/context.js'
import { UnawaitedMatcherError } from '../../src/matchers/pending.js'
import { matchPhrase } from '../../src/text/phrase-match.js'
import { MAX_ALIGNMENT_CELLS } from '../../src/text/align.js'

/** The error `fn` throws (or its promise rejects with); fails the test when it returns. */
async function thrown(fn: () => unknown): Promise<Error> {
  try {
    await fn()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a throw')
}

/** `n` distinct words, each with consonants (so each has a phonetic code). */
function words(n: number, prefix: string): string {
  const letters = 'bcdfghjklmnpqrstvwxz'
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    let w = ''
    for (let v = i; ; v = Math.floor(v / letters.length)) {
      w += letters[v % letters.length]
      if (v < letters.length) break
    }
    out.push(prefix + w)
  }
  return out.join(' ')
}

/** A mono PCM16 WAV header + `samples` zero samples, declaring `rate` Hz. */
function wavBytes(rate: number, samples: number): Buffer {
  const data = samples * 2
  const b = Buffer.alloc(44 + data)
  b.write('RIFF', 0, 'ascii')
  b.writeUInt32LE(36 + data, 4)
  b.write('WAVEfmt ', 8, 'ascii')
  b.writeUInt32LE(16, 16)
  b.writeUInt16LE(1, 20)
  b.writeUInt16LE(1, 22)
  b.writeUInt32LE(rate, 24)
  b.writeUInt32LE(rate * 2, 28)
  b.writeUInt16LE(2, 32)
  b.writeUInt16LE(16, 34)
  b.write('data', 36, 'ascii')
  b.writeUInt32LE(data, 40)
  return b
}

describe('finding 5 (typed errors everywhere)', () => {
  it('finding 5: readWav on a missing file throws AudioFormatError naming the file, with the fs error as cause', async () => {
    const path = '/nonexistent/expect-voice/missing.wav'
    const err = await thrown(() => readWav(path))
    expect(err).toBeInstanceOf(AudioFormatError)
    expect(err).toBeInstanceOf(ExpectVoiceError)
    expect(err.message).toContain(path)
    expect(err.message).toMatch(/no such file/)
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
  })

  it('finding 5: silence(1e13) and tone() beyond the generator limit throw InvalidOptionError naming the limit', async () => {
    for (const fn of [() => silence(1e13), () => tone(440, 1e13)]) {
      const err = await thrown(fn)
      expect(err).toBeInstanceOf(InvalidOptionError)
      expect(err.message).toContain('ms')
      expect(err.message).toContain(`limit ${MAX_GENERATED_BYTES} bytes`)
    }
    // The limit itself is allowed: a generator at the boundary sizes its buffer, nothing more.
    expect(silence(1000).data.byteLength).toBe(48_000)
  })

  it('finding 5: configureVoiceMatchers({ timeout: -1 }) throws InvalidOptionError naming the option', async () => {
    const before = matcherConfig().timeout
    for (const timeout of [-1, 0, Number.NaN, Infinity, '5000' as unknown as number]) {
      const err = await thrown(() => configureVoiceMatchers({ timeout }))
      expect(err).toBeInstanceOf(InvalidOptionError)
      expect(err.message).toMatch(/configureVoiceMatchers: option "timeout"/)
    }
    expect(matcherConfig().timeout).toBe(before)
  })

  it('finding 5: matchPhrase phonetic on 6,000 × 6,000 distinct words finishes (no Map size RangeError); beyond the limit, InvalidOptionError', async () => {
    const text = words(6000, 'zr')
    const phrase = words(6000, 'kl')
    const started = performance.now()
    const result = matchPhrase(text, phrase, { phonetic: true })
    const ms = performance.now() - started
    expect(result.alignment.length).toBeGreaterThanOrEqual(6000)
    // It was 11 s and a RangeError; now it costs about what the non-phonetic alignment costs (~0.5 s idle).
    expect(ms).toBeLessThan(8000)
    if (process.env.HARDENING_REPORT) console.log(`matchPhrase phonetic 6000 × 6000: ${Math.round(ms)} ms`)

    const side = Math.ceil(Math.sqrt(MAX_ALIGNMENT_CELLS))
    const err = await thrown(() => matchPhrase(words(side, 'zr'), words(side, 'kl'), { phonetic: true }))
    expect(err).toBeInstanceOf(InvalidOptionError)
    expect(err.message).toContain(`limit ${MAX_ALIGNMENT_CELLS} word pairs`)
  }, 30_000)

  it('finding 5: a WAV declaring a 1 Hz sample rate is refused (AudioFormatError naming the upsampling limit), not decoded to 46 MB', async () => {
    const bytes = wavBytes(1, 1000)
    expect(bytes.byteLength).toBeLessThan(2100)
    const started = performance.now()
    const err = await thrown(() => decodeWav(bytes))
    expect(performance.now() - started).toBeLessThan(500)
    expect(err).toBeInstanceOf(AudioFormatError)
    expect(err.message).toContain('1 Hz')
    expect(err.message).toContain(`limit ${MAX_UPSAMPLING}×`)
    // Through readWav the file name comes first, as for every other format error.
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = await mkdtemp(join(tmpdir(), 'expect-voice-wav-'))
    try {
      const path = join(dir, 'one-hertz.wav')
      await writeFile(path, bytes)
      const fromFile = await thrown(() => readWav(path))
      expect(fromFile).toBeInstanceOf(AudioFormatError)
      expect(fromFile.message.startsWith(`${path}: `)).toBe(true)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    // resamplePcm16 names the same limit (its input is an option, not a file).
    const direct = await thrown(() => resamplePcm16(Buffer.alloc(200), 100, 24_000))
    expect(direct).toBeInstanceOf(InvalidOptionError)
    expect(direct.message).toContain(`limit ${MAX_UPSAMPLING}×`)
    // Ordinary rates still decode: 8 kHz telephone audio to 24 kHz (3×).
    expect(decodeWav(wavBytes(8000, 800)).data.byteLength).toBe(4800)
  })

  it('finding 5: UnawaitedMatcherError is an ExpectVoiceError', () => {
    const err = new UnawaitedMatcherError(['toSay'])
    expect(err).toBeInstanceOf(ExpectVoiceError)
    expect(err.name).toBe('UnawaitedMatcherError')
    expect(err.message).toContain('expect(agent).toSay()')
  })
})
