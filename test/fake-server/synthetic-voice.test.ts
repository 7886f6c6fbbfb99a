import { describe, expect, it } from 'vitest'
import { normalizeSyntheticSpeechText, synthesizeSpeech, syntheticSpeechDurationMs, transcribeSyntheticSpeech } from '../../src/audio/synthetic-voice.js'
import { InvalidOptionError } from '../../src/errors/index.js'

const silence = (ms: number, rate = 24_000) => Buffer.alloc(Math.round((ms * rate) / 1000) * 2)

/** Split a buffer at arbitrary (also odd) byte offsets and join it again, like a socket would. */
function rechunk(buf: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = []
  let at = 0
  let k = 0
  while (at < buf.length) {
    const size = sizes[k++ % sizes.length]!
    parts.push(Buffer.from(buf.subarray(at, at + size)))
    at += size
  }
  return Buffer.concat(parts)
}

const TEXTS = [
  'Hello.',
  'hello world',
  'What is the weather in Paris tomorrow?',
  'A',
  'aa bb  cc',
  '  leading and trailing  ',
  'tabs\tand\nnewlines\r\nare spaces',
  'Numbers 1234567890 and symbols !@#$%^&*()_+-=[]{};\':",./<>?`~|\\',
  'Ünïcödé: café, naïve, Straße, Ελληνικά, русский, 日本語, 한국어, עברית, العربية',
  'Emoji 🎉👍🏽 and ZWJ 👩‍👩‍👧 sequences',
  '\u00a0non-breaking\u00a0space and \u2003em space',
  'x'.repeat(500),
  '',
  '   ',
]

describe('synthetic voice', () => {
  it.each(TEXTS)('round-trips %j exactly (normalised)', (text) => {
    expect(transcribeSyntheticSpeech(synthesizeSpeech(text))).toBe(normalizeSyntheticSpeechText(text))
  })

  it('normalises whitespace runs to one space and trims', () => {
    expect(normalizeSyntheticSpeechText('  a \t\n b   c ')).toBe('a b c')
    expect(transcribeSyntheticSpeech(synthesizeSpeech('  a \t\n b   c '))).toBe('a b c')
  })

  it('ignores leading/trailing silence and survives odd chunk boundaries', () => {
    for (const text of TEXTS) {
      const audio = Buffer.concat([silence(333), synthesizeSpeech(text), silence(1234)])
      const joined = rechunk(audio, [1, 7, 4800, 3, 961, 2, 13])
      expect(transcribeSyntheticSpeech(joined)).toBe(normalizeSyntheticSpeechText(text))
    }
  })

  it('decodes a buffer that is not 2-byte aligned in memory', () => {
    const audio = synthesizeSpeech('aligned?')
    const backing = Buffer.alloc(audio.length + 1)
    audio.copy(backing, 1)
    expect(transcribeSyntheticSpeech(backing.subarray(1))).toBe('aligned?')
  })

  it('joins several utterances (with or without silence between them) with one space', () => {
    const joined = Buffer.concat([synthesizeSpeech('first part'), synthesizeSpeech('second'), silence(500), synthesizeSpeech('third')])
    expect(transcribeSyntheticSpeech(joined)).toBe('first part second third')
    const shortGap = Buffer.concat([synthesizeSpeech('a'), silence(5), synthesizeSpeech('b')])
    expect(transcribeSyntheticSpeech(shortGap)).toBe('a b')
  })

  it('works at other speeds and sample rates without telling the decoder', () => {
    for (const opts of [
      { msPerChar: 10 },
      { msPerChar: 75 },
      { sampleRate: 16_000 },
      { sampleRate: 44_100, msPerChar: 20 },
      { sampleRate: 8000, msPerChar: 5 },
    ]) {
      expect(transcribeSyntheticSpeech(synthesizeSpeech('Speed test ✓', opts))).toBe('Speed test ✓')
    }
  })

  it('has the documented size: (UTF-8 bytes + 1 preamble) x msPerChar', () => {
    expect(synthesizeSpeech('hello').length).toBe(6 * 960 * 2)
    expect(syntheticSpeechDurationMs('hello')).toBe(240)
    expect(syntheticSpeechDurationMs('é', { msPerChar: 10 })).toBe(30)
    expect(synthesizeSpeech('hello', { msPerChar: 20, sampleRate: 16_000 }).length).toBe(6 * 320 * 2)
  })

  it('is loud (speech-like energy) with exact silence for spaces', () => {
    const pcm = synthesizeSpeech('hi there')
    const samples = Array.from({ length: pcm.length / 2 }, (_, i) => pcm.readInt16LE(i * 2))
    const peak = Math.max(...samples.map(Math.abs))
    expect(peak).toBeGreaterThan(10_000)
    expect(peak).toBeLessThanOrEqual(26_500)
    const space = samples.slice(3 * 960, 4 * 960) // preamble, h, i, then the space
    expect(space.every((s) => s === 0)).toBe(true)
  })

  it('returns null for audio that is not synthetic speech', () => {
    let seed = 42
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff) * 2 - 1
    const noise = Buffer.alloc(48_000)
    for (let i = 0; i < noise.length / 2; i++) noise.writeInt16LE(Math.round(rand() * 8000), i * 2)
    const sine = Buffer.alloc(48_000)
    for (let i = 0; i < sine.length / 2; i++) sine.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / 24_000) * 10_000), i * 2)
    const square = Buffer.alloc(48_000)
    for (let i = 0; i < square.length / 2; i++) square.writeInt16LE(Math.floor(i / 30) % 2 === 0 ? 5000 : -5000, i * 2)
    expect(transcribeSyntheticSpeech(noise)).toBeNull()
    expect(transcribeSyntheticSpeech(sine)).toBeNull()
    expect(transcribeSyntheticSpeech(square)).toBeNull()
    expect(transcribeSyntheticSpeech(silence(1000))).toBeNull()
    expect(transcribeSyntheticSpeech(Buffer.alloc(0))).toBeNull()
  })

  it('returns null when synthetic speech is corrupted', () => {
    const pcm = synthesizeSpeech('hello world')
    const oneSample = Buffer.from(pcm)
    oneSample.writeInt16LE(oneSample.readInt16LE(5000) + 1, 5000)
    expect(transcribeSyntheticSpeech(oneSample)).toBeNull()
    const noisy = Buffer.from(pcm)
    for (let i = 0; i < noisy.length / 2; i += 97) noisy.writeInt16LE(noisy.readInt16LE(i * 2) + 3, i * 2)
    expect(transcribeSyntheticSpeech(noisy)).toBeNull()
    // speech without its preamble
    expect(transcribeSyntheticSpeech(pcm.subarray(960 * 2))).toBeNull()
  })

  it('decodes audio cut off mid-character to the complete characters before the cut', () => {
    const pcm = synthesizeSpeech('héllo there')
    // preamble + 'h' + 'é' (2 bytes) + half of 'l'
    expect(transcribeSyntheticSpeech(pcm.subarray(0, (4 * 960 + 480) * 2))).toBe('hé')
    // cut between the two UTF-8 bytes of 'é': the broken character is dropped
    expect(transcribeSyntheticSpeech(pcm.subarray(0, 3 * 960 * 2))).toBe('h')
  })

  it('rejects bad options with an InvalidOptionError naming the option', () => {
    expect(() => synthesizeSpeech('x', { msPerChar: 1 })).toThrow(InvalidOptionError)
    expect(() => synthesizeSpeech('x', { msPerChar: 1 })).toThrow(/msPerChar/)
    expect(() => synthesizeSpeech('x', { msPerChar: Number.NaN })).toThrow(/msPerChar/)
    expect(() => synthesizeSpeech('x', { sampleRate: 100 })).toThrow(/sampleRate/)
    expect(() => synthesizeSpeech(42 as unknown as string)).toThrow(/text/)
  })
})
