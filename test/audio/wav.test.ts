import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeWav, encodeWavStereo, readWav, resamplePcm16, writeWav } from '../../src/audio/index.js'
import { AudioFormatError, InvalidOptionError } from '../../src/errors/index.js'
import { buildWav, fromPcm16, rng, sine, toPcm16, zeroCrossingFrequency } from './helpers.js'

const RATE = 24000

function randomInts(n: number, bits: number, seed: number): number[] {
  const r = rng(seed)
  const span = 2 ** bits
  return Array.from({ length: n }, () => Math.floor(r() * span) - span / 2)
}

function le(values: number[], bytes: number): Buffer {
  const out = Buffer.alloc(values.length * bytes)
  for (const [i, v] of values.entries()) out.writeIntLE(v, i * bytes, bytes)
  return out
}

const clip16 = (v: number) => Math.max(-32768, Math.min(32767, v)) + 0 // + 0 turns -0 into 0

// μ-law / A-law reference decoders from the G.711 formulas (see g711.test.ts).
const muLaw = (c: number) => {
  const u = ~c & 0xff
  const mag = 4 * ((2 * (u & 15) + 33) * 2 ** ((u >> 4) & 7) - 33)
  return u & 0x80 ? 0 - mag : mag
}
const aLaw = (c: number) => {
  const a = c ^ 0x55
  const e = (a >> 4) & 7
  const mag = 8 * (e === 0 ? 2 * (a & 15) + 1 : (2 * (a & 15) + 33) * 2 ** (e - 1))
  return a & 0x80 ? mag : 0 - mag
}

describe('writeWav → readWav', () => {
  it('round-trips PCM16 bit-exactly, with the canonical 44-byte header', async () => {
    const samples = randomInts(24000, 16, 1)
    const wav = writeWav({ data: toPcm16(samples), sampleRate: RATE })
    expect(wav.length).toBe(44 + 48000)
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF')
    expect(wav.readUInt32LE(4)).toBe(36 + 48000)
    expect(wav.toString('latin1', 8, 16)).toBe('WAVEfmt ')
    expect(wav.readUInt16LE(20)).toBe(1)
    expect(wav.readUInt32LE(24)).toBe(RATE)
    expect(wav.readUInt32LE(28)).toBe(RATE * 2)
    const back = await readWav(wav)
    expect(back.data.equals(toPcm16(samples))).toBe(true)
    expect(back).toMatchObject({
      sampleRate: RATE,
      durationMs: 1000,
      source: { sampleRate: RATE, channels: 1, bitsPerSample: 16, format: 'pcm' },
    })
  })

  it('writes raw bytes at a given rate and interleaved stereo', () => {
    const wav = writeWav(toPcm16([1, 2, 3, 4]), { sampleRate: 8000, channels: 2 })
    expect(wav.readUInt16LE(22)).toBe(2)
    expect(wav.readUInt32LE(24)).toBe(8000)
    expect(wav.readUInt16LE(32)).toBe(4)
    const back = decodeWav(wav, { sampleRate: 8000 })
    expect(fromPcm16(back.data)).toEqual([2, 4]) // round((1+2)/2) = 2, round((3+4)/2) = 4
  })

  it('rejects inconsistent writeWav input', () => {
    expect(() => writeWav(Buffer.alloc(6), { channels: 2 })).toThrow(/6 bytes, not a whole number of 2-channel 16-bit frames/)
    expect(() => writeWav({ data: Buffer.alloc(4), sampleRate: 16000 }, { sampleRate: 24000 })).toThrow(InvalidOptionError)
    expect(() => writeWav(Buffer.alloc(4), { channels: 3 as 2 })).toThrow(/channels must be 1 or 2, got 3/)
  })
})

describe('readWav: encodings', () => {
  const N = 1000

  it('8-bit unsigned PCM', () => {
    const bytes = Array.from({ length: N }, (_, i) => (i * 37) % 256)
    const out = decodeWav(buildWav({ formatTag: 1, channels: 1, sampleRate: RATE, bitsPerSample: 8, data: Buffer.from(bytes) }))
    expect(fromPcm16(out.data)).toEqual(bytes.map((b) => (b - 128) * 256))
    expect(out.source).toEqual({ sampleRate: RATE, channels: 1, bitsPerSample: 8, format: 'pcm' })
  })

  it('8-bit with an odd sample count (padded data chunk) followed by a LIST chunk', () => {
    const bytes = [0, 128, 255]
    const wav = buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: RATE,
      bitsPerSample: 8,
      data: Buffer.from(bytes),
      after: [['LIST', Buffer.from('INFOISFT\x05\x00\x00\x00test\x00\x00', 'latin1')]],
    })
    expect(fromPcm16(decodeWav(wav).data)).toEqual([-32768, 0, 32512])
  })

  it('24-bit PCM (rounded to 16-bit)', () => {
    const v = randomInts(N, 24, 2)
    const out = decodeWav(buildWav({ formatTag: 1, channels: 1, sampleRate: RATE, bitsPerSample: 24, data: le(v, 3) }))
    expect(fromPcm16(out.data)).toEqual(v.map((x) => clip16(Math.round(x / 256))))
  })

  it('32-bit integer PCM', () => {
    const v = randomInts(N, 32, 3)
    const out = decodeWav(buildWav({ formatTag: 1, channels: 1, sampleRate: RATE, bitsPerSample: 32, data: le(v, 4) }))
    expect(fromPcm16(out.data)).toEqual(v.map((x) => clip16(Math.round(x / 65536))))
  })

  it('32-bit float (clipped beyond ±1)', () => {
    const r = rng(4)
    const f = Array.from({ length: N }, () => Math.fround((r() - 0.5) * 2.4))
    const data = Buffer.alloc(N * 4)
    for (const [i, x] of f.entries()) data.writeFloatLE(x, i * 4)
    const out = decodeWav(buildWav({ formatTag: 3, channels: 1, sampleRate: RATE, bitsPerSample: 32, data }))
    expect(fromPcm16(out.data)).toEqual(f.map((x) => clip16(Math.round(x * 32768))))
    expect(out.source.format).toBe('float')
  })

  it('64-bit float', () => {
    const r = rng(5)
    const f = Array.from({ length: N }, () => (r() - 0.5) * 1.9)
    const data = Buffer.alloc(N * 8)
    for (const [i, x] of f.entries()) data.writeDoubleLE(x, i * 8)
    const out = decodeWav(buildWav({ formatTag: 3, channels: 1, sampleRate: RATE, bitsPerSample: 64, data }))
    expect(fromPcm16(out.data)).toEqual(f.map((x) => clip16(Math.round(x * 32768))))
  })

  it('WAVE_FORMAT_EXTENSIBLE PCM16 and float32', () => {
    const v = randomInts(N, 16, 6)
    const out = decodeWav(buildWav({ formatTag: 1, extensible: true, channels: 1, sampleRate: RATE, bitsPerSample: 16, data: toPcm16(v) }))
    expect(fromPcm16(out.data)).toEqual(v)
    const data = Buffer.alloc(8)
    data.writeFloatLE(0.5, 0)
    data.writeFloatLE(-0.25, 4)
    const f = decodeWav(buildWav({ formatTag: 3, extensible: true, channels: 1, sampleRate: RATE, bitsPerSample: 32, data }))
    expect(fromPcm16(f.data)).toEqual([16384, -8192])
  })

  it('stereo is averaged to mono (16-bit and 24-bit)', () => {
    const l = randomInts(N, 16, 7)
    const r = randomInts(N, 16, 8)
    const inter = l.flatMap((x, i) => [x, r[i]])
    const out = decodeWav(buildWav({ formatTag: 1, channels: 2, sampleRate: RATE, bitsPerSample: 16, data: toPcm16(inter) }))
    expect(fromPcm16(out.data)).toEqual(l.map((x, i) => clip16(Math.round((x + r[i]) / 2))))
    expect(out.source.channels).toBe(2)
    const l24 = randomInts(N, 24, 9)
    const r24 = randomInts(N, 24, 10)
    const out24 = decodeWav(
      buildWav({
        formatTag: 1,
        channels: 2,
        sampleRate: RATE,
        bitsPerSample: 24,
        data: le(
          l24.flatMap((x, i) => [x, r24[i]]),
          3,
        ),
      }),
    )
    expect(fromPcm16(out24.data)).toEqual(l24.map((x, i) => clip16(Math.round((x + r24[i]) / 2 / 256))))
  })

  it('G.711 μ-law (7) and A-law (6), mono and stereo', () => {
    const codes = Array.from({ length: 256 }, (_, i) => i)
    const mu = decodeWav(buildWav({ formatTag: 7, channels: 1, sampleRate: RATE, bitsPerSample: 8, data: Buffer.from(codes) }))
    expect(fromPcm16(mu.data)).toEqual(codes.map(muLaw))
    expect(mu.source.format).toBe('mulaw')
    const a = decodeWav(buildWav({ formatTag: 6, channels: 1, sampleRate: RATE, bitsPerSample: 8, data: Buffer.from(codes) }))
    expect(fromPcm16(a.data)).toEqual(codes.map(aLaw))
    expect(a.source.format).toBe('alaw')
    const st = decodeWav(buildWav({ formatTag: 7, channels: 2, sampleRate: RATE, bitsPerSample: 8, data: Buffer.from([0x80, 0xff, 0x00, 0x80]) }))
    expect(fromPcm16(st.data)).toEqual([16062, 0])
  })

  it('8 kHz μ-law telephone audio becomes 24 kHz with the same tone', () => {
    const n = 8000
    const pcm = toPcm16(sine(1000, 8000, n, 16000))
    const codes = Buffer.from(fromPcm16(pcm).map((x) => muLawEncodeRef(x)))
    const out = decodeWav(buildWav({ formatTag: 7, channels: 1, sampleRate: 8000, bitsPerSample: 8, data: codes }))
    expect(out.sampleRate).toBe(24000)
    expect(out.data.length / 2).toBe(24000)
    expect(out.durationMs).toBe(1000)
    const s = fromPcm16(out.data)
    expect(Math.abs(zeroCrossingFrequency(s, 24000, 1200, 22800) - 1000)).toBeLessThan(10)
  })

  it('resamples any rate to the target (default 24 kHz, or as asked)', () => {
    const pcm = toPcm16(sine(440, 44100, 44100, 10000))
    const wav = buildWav({ formatTag: 1, channels: 1, sampleRate: 44100, bitsPerSample: 16, data: pcm })
    const out = decodeWav(wav)
    expect(out.sampleRate).toBe(24000)
    expect(out.data.equals(resamplePcm16(pcm, 44100, 24000))).toBe(true)
    const at16 = decodeWav(wav, { sampleRate: 16000 })
    expect(at16.data.length).toBe(32000)
    expect(at16.source.sampleRate).toBe(44100)
  })

  it('skips unknown chunks before and between, honouring odd-size padding', () => {
    const v = [1, -2, 3, -4]
    const wav = buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: RATE,
      bitsPerSample: 16,
      data: toPcm16(v),
      before: [['JUNK', Buffer.alloc(27)]],
      between: [
        ['LIST', Buffer.from('odd')],
        ['fact', Buffer.alloc(4)],
      ],
    })
    expect(fromPcm16(decodeWav(wav).data)).toEqual(v)
  })

  it('tolerates a writer that forgot the pad byte after an odd chunk', () => {
    const v = [5, 6, 7]
    const wav = buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: RATE,
      bitsPerSample: 16,
      data: toPcm16(v),
      between: [['LIST', Buffer.from('abc')]],
      noPad: true,
    })
    expect(fromPcm16(decodeWav(wav).data)).toEqual(v)
  })

  it('reads a streamed WAV whose data size was never filled in (0 or 0xFFFFFFFF)', () => {
    const v = [10, 20, 30, 40, 50]
    for (const dataSize of [0, 0xffffffff]) {
      const wav = buildWav({ formatTag: 1, channels: 1, sampleRate: RATE, bitsPerSample: 16, data: toPcm16(v), dataSize })
      expect(fromPcm16(decodeWav(wav).data)).toEqual(v)
    }
  })

  it('a streamed WAV whose audio happens to start with printable bytes is still audio', () => {
    const data = Buffer.concat([Buffer.from('ABCD', 'latin1'), Buffer.from([0xff, 0x7f, 0xff, 0x7f]), toPcm16([1, 2])])
    const wav = buildWav({ formatTag: 1, channels: 1, sampleRate: RATE, bitsPerSample: 16, data, dataSize: 0 })
    expect(fromPcm16(decodeWav(wav).data)).toEqual([0x4241, 0x4443, 0x7fff, 0x7fff, 1, 2])
  })

  it('reads an empty data chunk followed by other chunks as no audio', () => {
    const wav = buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: RATE,
      bitsPerSample: 16,
      data: Buffer.alloc(0),
      after: [['LIST', Buffer.alloc(10)]],
    })
    const out = decodeWav(wav)
    expect(out.data.length).toBe(0)
    expect(out.durationMs).toBe(0)
  })

  it('drops a trailing partial frame', () => {
    const data = Buffer.concat([toPcm16([1, 2, 3, 4]), Buffer.from([9, 9])]) // 1.5 stereo frames extra
    const out = decodeWav(buildWav({ formatTag: 1, channels: 2, sampleRate: RATE, bitsPerSample: 16, data }))
    expect(fromPcm16(out.data)).toEqual([2, 4])
  })
})

describe('readWav: errors', () => {
  const ok = () => buildWav({ formatTag: 1, channels: 1, sampleRate: RATE, bitsPerSample: 16, data: toPcm16([1, 2, 3]) })

  it('not a WAV file, with a hint for common formats', () => {
    expect(() => decodeWav(Buffer.from('hello world, not audio'))).toThrow(AudioFormatError)
    expect(() => decodeWav(Buffer.from('hello world, not audio'))).toThrow('not a WAV file (no RIFF/WAVE header)')
    expect(() => decodeWav(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1'))).toThrow(/no RIFF\/WAVE header\); looks like MP3/)
    expect(() => decodeWav(Buffer.from('OggS\x00\x02\x00\x00\x00\x00\x00\x00', 'latin1'))).toThrow(/looks like Ogg/)
    expect(() => decodeWav(Buffer.alloc(0))).toThrow(/not a WAV file \(no RIFF\/WAVE header\): input is empty/)
    const avi = ok()
    avi.write('AVI ', 8, 'latin1')
    expect(() => decodeWav(avi)).toThrow(/RIFF type is "AVI ", not "WAVE"/)
    const rifx = ok()
    rifx.write('RIFX', 0, 'latin1')
    expect(() => decodeWav(rifx)).toThrow(/big-endian RIFX/)
  })

  it('unsupported encoding names the format tag', () => {
    const mp3 = buildWav({ formatTag: 0x55, channels: 1, sampleRate: RATE, bitsPerSample: 0, data: Buffer.alloc(10) })
    expect(() => decodeWav(mp3)).toThrow(AudioFormatError)
    expect(() => decodeWav(mp3)).toThrow('unsupported encoding: format tag 0x0055 (MP3)')
    const adpcm = buildWav({ formatTag: 0x11, channels: 1, sampleRate: RATE, bitsPerSample: 4, data: Buffer.alloc(10) })
    expect(() => decodeWav(adpcm)).toThrow('unsupported encoding: format tag 0x0011 (IMA ADPCM)')
    const ext = buildWav({ formatTag: 0x55, extensible: true, channels: 1, sampleRate: RATE, bitsPerSample: 16, data: Buffer.alloc(10) })
    expect(() => decodeWav(ext)).toThrow('unsupported encoding: format tag 0x0055 (MP3)')
    const f16 = buildWav({ formatTag: 3, channels: 1, sampleRate: RATE, bitsPerSample: 16, data: Buffer.alloc(10) })
    expect(() => decodeWav(f16)).toThrow(/unsupported float layout: 16 bits per sample/)
  })

  it('truncated data names both sizes', () => {
    const wav = buildWav({ formatTag: 1, channels: 1, sampleRate: RATE, bitsPerSample: 16, data: toPcm16(new Array(100).fill(1)) })
    const cut = wav.subarray(0, wav.length - 50)
    expect(() => decodeWav(cut)).toThrow(AudioFormatError)
    expect(() => decodeWav(cut)).toThrow('truncated: data chunk declares 200 bytes but only 150 present')
  })

  it('truncated fmt chunk', () => {
    expect(() => decodeWav(ok().subarray(0, 30))).toThrow('truncated: fmt chunk declares 16 bytes but only 10 present')
  })

  it('no fmt chunk / no data chunk', () => {
    const noFmt = Buffer.concat([Buffer.from('RIFF\x00\x00\x00\x00WAVEdata\x04\x00\x00\x00', 'latin1'), Buffer.alloc(4)])
    expect(() => decodeWav(noFmt)).toThrow('no fmt chunk')
    const noData = ok().subarray(0, 36)
    expect(() => decodeWav(noData)).toThrow('no data chunk')
  })

  it('bad fmt values', () => {
    const zeroCh = ok()
    zeroCh.writeUInt16LE(0, 22)
    expect(() => decodeWav(zeroCh)).toThrow('fmt chunk declares 0 channels')
    const zeroRate = ok()
    zeroRate.writeUInt32LE(0, 24)
    expect(() => decodeWav(zeroRate)).toThrow(/invalid sample rate of 0 Hz/)
    const badAlign = ok()
    badAlign.writeUInt16LE(1, 32) // blockAlign 1 for 16-bit mono
    expect(() => decodeWav(badAlign)).toThrow(/unsupported PCM layout: 16 bits per sample, blockAlign 1 for 1 channel/)
  })

  it('a file path in the message, and fs errors passed through', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ev-wav-'))
    try {
      const p = join(dir, 'bad.wav')
      await writeFile(p, 'nope')
      await expect(readWav(p)).rejects.toThrow(`${p}: not a WAV file (no RIFF/WAVE header)`)
      await expect(readWav(join(dir, 'missing.wav'))).rejects.toThrow(/ENOENT/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('bad options', () => {
    expect(() => decodeWav(ok(), { sampleRate: -1 })).toThrow(InvalidOptionError)
    expect(() => decodeWav('x.wav' as unknown as Buffer)).toThrow(/must be a path, Buffer or Uint8Array, got string/)
  })
})

describe('readWav from a file', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ev-wav-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads a path asynchronously', async () => {
    const p = join(dir, 'tone.wav')
    await writeFile(p, writeWav(toPcm16(sine(440, 16000, 1600, 8000)), { sampleRate: 16000 }))
    const out = await readWav(p)
    expect(out.sampleRate).toBe(24000)
    expect(out.durationMs).toBe(100)
    expect(out.source).toEqual({ sampleRate: 16000, channels: 1, bitsPerSample: 16, format: 'pcm' })
  })
})

describe('encodeWavStereo', () => {
  it('interleaves two time-aligned channels, padding the shorter with silence', () => {
    const wav = encodeWavStereo(toPcm16([1, 2, 3]), toPcm16([-1]), 16000)
    expect(wav.readUInt16LE(22)).toBe(2)
    expect(wav.readUInt32LE(24)).toBe(16000)
    expect(wav.readUInt32LE(40)).toBe(12)
    expect(fromPcm16(wav.subarray(44))).toEqual([1, -1, 2, 0, 3, 0])
  })

  it("takes chunks' rate and refuses mismatched rates", () => {
    const a = { data: toPcm16([1]), sampleRate: 8000 }
    expect(encodeWavStereo(a, toPcm16([2])).readUInt32LE(24)).toBe(8000)
    expect(() => encodeWavStereo(a, { data: toPcm16([1]), sampleRate: 24000 })).toThrow(/disagrees with right.sampleRate/)
    expect(() => encodeWavStereo(Buffer.alloc(3), Buffer.alloc(2))).toThrow(/left has 3 bytes/)
  })
})

// Independent μ-law encoder for the telephone test (nearest reconstruction level by search).
function muLawEncodeRef(x: number): number {
  let best = 0
  for (let c = 0; c < 256; c++) if (Math.abs(muLaw(c) - x) < Math.abs(muLaw(best) - x)) best = c
  return best
}
