// Test-only helpers, written independently of src/audio so the tests do not check the code against itself.

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Gaussian white noise at `db` dBFS RMS (0 dBFS = RMS of 32768), as float samples in PCM16 units. */
export function gaussianNoise(n: number, db: number, seed = 1): Float64Array {
  const r = rng(seed)
  const sigma = 32768 * 10 ** (db / 20)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(r(), 1e-12)
    const u2 = r()
    const m = Math.sqrt(-2 * Math.log(u1))
    out[i] = sigma * m * Math.cos(2 * Math.PI * u2)
    if (i + 1 < n) out[i + 1] = sigma * m * Math.sin(2 * Math.PI * u2)
  }
  return out
}

/** Float samples in PCM16 units → PCM16 LE bytes (rounded, clipped), via DataView (not the library's helpers). */
export function toPcm16(samples: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(samples.length * 2)
  for (let i = 0; i < samples.length; i++) {
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]))), i * 2)
  }
  return out
}

/** PCM16 LE bytes → numbers, via Buffer reads. */
export function fromPcm16(buf: Uint8Array): number[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  const out: number[] = []
  for (let i = 0; i + 1 < b.length; i += 2) out.push(b.readInt16LE(i))
  return out
}

export function sine(freq: number, rate: number, n: number, amplitude: number, phase = 0): Float64Array {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate + phase)
  return out
}

/** Frequency of a tone from interpolated upward zero crossings between `from` and `to` (sample indices). */
export function zeroCrossingFrequency(s: ArrayLike<number>, rate: number, from = 0, to = s.length): number {
  const times: number[] = []
  for (let i = Math.max(1, from); i < to; i++) {
    const a = s[i - 1]
    const b = s[i]
    if (a < 0 && b >= 0) times.push(i - 1 + -a / (b - a))
  }
  if (times.length < 2) return 0
  return ((times.length - 1) * rate) / (times[times.length - 1] - times[0])
}

export function rmsDbOf(s: ArrayLike<number>, from = 0, to = s.length): number {
  let sum = 0
  for (let i = from; i < to; i++) sum += s[i] * s[i]
  return 10 * Math.log10(sum / (to - from) / (32768 * 32768))
}

export interface RawWavSpec {
  formatTag: number
  channels: number
  sampleRate: number
  bitsPerSample: number
  data: Uint8Array
  /** Write a 40-byte WAVE_FORMAT_EXTENSIBLE fmt with `formatTag` as the sub-format. */
  extensible?: boolean
  /** Extra chunks before fmt, between fmt and data, after data. */
  before?: Array<[string, Uint8Array]>
  between?: Array<[string, Uint8Array]>
  after?: Array<[string, Uint8Array]>
  /** Override the data chunk's declared size. */
  dataSize?: number
  /** Leave out the pad byte after odd-sized chunks (a common writer bug). */
  noPad?: boolean
}

/** A minimal, independent RIFF/WAVE writer for building test inputs in every encoding. */
export function buildWav(spec: RawWavSpec): Buffer {
  const chunk = (id: string, body: Uint8Array, declared = body.length) => {
    const head = Buffer.alloc(8)
    head.write(id, 0, 'latin1')
    head.writeUInt32LE(declared >>> 0, 4)
    const pad = body.length % 2 === 1 && !spec.noPad ? Buffer.alloc(1) : Buffer.alloc(0)
    return Buffer.concat([head, body, pad])
  }
  const blockAlign = (spec.channels * spec.bitsPerSample) / 8
  const fmt = Buffer.alloc(spec.extensible ? 40 : 16)
  fmt.writeUInt16LE(spec.extensible ? 0xfffe : spec.formatTag, 0)
  fmt.writeUInt16LE(spec.channels, 2)
  fmt.writeUInt32LE(spec.sampleRate, 4)
  fmt.writeUInt32LE(spec.sampleRate * blockAlign, 8)
  fmt.writeUInt16LE(blockAlign, 12)
  fmt.writeUInt16LE(spec.bitsPerSample, 14)
  if (spec.extensible) {
    fmt.writeUInt16LE(22, 16) // cbSize
    fmt.writeUInt16LE(spec.bitsPerSample, 18) // valid bits
    fmt.writeUInt32LE(spec.channels === 2 ? 3 : 4, 20) // channel mask
    fmt.writeUInt16LE(spec.formatTag, 24)
    Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(fmt, 26)
  }
  const parts = [
    ...(spec.before ?? []).map(([id, b]) => chunk(id, b)),
    chunk('fmt ', fmt),
    ...(spec.between ?? []).map(([id, b]) => chunk(id, b)),
    chunk('data', spec.data, spec.dataSize ?? spec.data.length),
    ...(spec.after ?? []).map(([id, b]) => chunk(id, b)),
  ]
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(12)
  head.write('RIFF', 0, 'latin1')
  head.writeUInt32LE(4 + body.length, 4)
  head.write('WAVE', 8, 'latin1')
  return Buffer.concat([head, body])
}

/** Minimal reader for plain 16-bit PCM WAVs (what espeak-ng writes): sample rate and samples. */
export function parsePcm16Wav(buf: Buffer): { rate: number; samples: Int16Array } {
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not RIFF/WAVE')
  let off = 12
  let rate = 0
  while (off + 8 <= buf.length) {
    const id = buf.toString('latin1', off, off + 4)
    let size = buf.readUInt32LE(off + 4)
    if (id === 'fmt ') {
      if (buf.readUInt16LE(off + 8) !== 1 || buf.readUInt16LE(off + 10) !== 1 || buf.readUInt16LE(off + 22) !== 16) {
        throw new Error('expected 16-bit mono PCM')
      }
      rate = buf.readUInt32LE(off + 12)
    } else if (id === 'data') {
      if (size === 0 || size === 0xffffffff || off + 8 + size > buf.length) size = buf.length - off - 8
      const samples = new Int16Array(Math.floor(size / 2))
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(off + 8 + i * 2)
      return { rate, samples }
    }
    off += 8 + size + (size & 1)
  }
  throw new Error('no data chunk')
}
