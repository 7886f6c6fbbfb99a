import { readFile } from 'node:fs/promises'
import type { AudioChunk } from '../protocol/audio-chunk.js'
import { AudioFormatError, InvalidOptionError } from '../errors/index.js'
import { aLawDecode, muLawDecode } from './g711.js'
import {
  DEFAULT_SAMPLE_RATE,
  assertSampleRate,
  assertWholeSamples,
  describeValue,
  float32ToPcm16,
  int16ToBuffer,
  int16View,
  isAudioChunk,
  pcmAndRate,
  type Pcm16Input,
} from './pcm16.js'
import { MAX_UPSAMPLING, resampleFloat32 } from './resample.js'

/** How the samples in a WAV file were stored. */
export type WavEncoding = 'pcm' | 'float' | 'mulaw' | 'alaw'

export interface WavSourceFormat {
  sampleRate: number
  channels: number
  /** As declared in the fmt chunk (the container size; 8 for G.711). */
  bitsPerSample: number
  format: WavEncoding
}

/** A decoded WAV: PCM16 LE mono at the requested rate, plus what the file held. */
export interface DecodedWav extends AudioChunk {
  durationMs: number
  source: WavSourceFormat
}

export interface ReadWavOptions {
  /** Sample rate to convert to, in Hz. Default 24000 (the Realtime API's rate). */
  sampleRate?: number
}

const FORMAT_NAMES: Record<number, string> = {
  0x0001: 'PCM',
  0x0002: 'Microsoft ADPCM',
  0x0003: 'IEEE float',
  0x0006: 'A-law',
  0x0007: 'μ-law',
  0x0011: 'IMA ADPCM',
  0x0022: 'TrueSpeech',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x0064: 'G.726 ADPCM',
  0x00ff: 'AAC',
  0x0161: 'WMA',
  0x1610: 'HE-AAC',
  0x2000: 'AC-3',
  0xf1ac: 'FLAC',
  0xfffe: 'WAVE_FORMAT_EXTENSIBLE',
}

const ENCODINGS: Record<number, WavEncoding> = { 0x0001: 'pcm', 0x0003: 'float', 0x0006: 'alaw', 0x0007: 'mulaw' }

// Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID whose first two bytes are a plain format tag.
const SUBTYPE_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]

interface Fmt {
  encoding: WavEncoding
  channels: number
  sampleRate: number
  bitsPerSample: number
  /** Bytes per sample of one channel, as stored. */
  container: number
  blockAlign: number
}

/**
 * Reads a WAV file (path) or WAV bytes and converts it to PCM16 LE mono at `sampleRate` (default 24000).
 * See `decodeWav` for the formats and errors.
 */
export async function readWav(input: string | Uint8Array, opts: ReadWavOptions = {}): Promise<DecodedWav> {
  if (typeof input === 'string') {
    let bytes: Buffer
    try {
      bytes = await readFile(input)
    } catch (err) {
      // Typed like every other unreadable WAV; the fs error (its `code`, e.g. ENOENT) stays the cause.
      const e = err as NodeJS.ErrnoException
      const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message
      throw new AudioFormatError(`${input}: cannot read WAV file: ${why}${e.code ? ` (${e.code})` : ''}`, { cause: err })
    }
    return decodeWavLabelled(bytes, opts, `${input}: `)
  }
  return decodeWav(input, opts)
}

/**
 * Decodes WAV bytes to PCM16 LE mono at `sampleRate` (default 24000), synchronously.
 *
 * Reads PCM 8-bit (unsigned), 16/24/32-bit (signed; other bit depths in those containers), IEEE float 32/64-bit,
 * G.711 μ-law and A-law, plain or WAVE_FORMAT_EXTENSIBLE, any channel count (channels are averaged to mono) and
 * any sample rate (resampled with `resamplePcm16`'s filter). Unknown chunks (LIST, fact, cue, ...) are skipped,
 * odd-sized chunks' pad bytes honoured (and tolerated when a writer forgot them). A trailing partial frame is
 * dropped. 16-bit mono at the target rate comes out bit-exact; everything else is rounded to nearest, clipped,
 * without dither (deterministic).
 *
 * Size mismatches: a data chunk that declares more bytes than the file holds is an error ("truncated"), because a
 * cut-off download or copy would otherwise pass as shorter audio. The exception is the streaming case: a writer
 * that never went back to fill in the size leaves 0 or 0xFFFFFFFF, and then the data runs to the end of the file.
 *
 * @throws AudioFormatError "not a WAV file (no RIFF/WAVE header)", "unsupported encoding: format tag 0x0055 (MP3)",
 *   "truncated: data chunk declares N bytes but only M present", "no fmt chunk", "no data chunk", ...
 */
export function decodeWav(buffer: Uint8Array, opts: ReadWavOptions = {}): DecodedWav {
  return decodeWavLabelled(buffer, opts, '')
}

function decodeWavLabelled(buffer: Uint8Array, opts: ReadWavOptions, label: string): DecodedWav {
  if (!(buffer instanceof Uint8Array)) {
    throw new InvalidOptionError(`WAV input must be a path, Buffer or Uint8Array, got ${describeValue(buffer)}`)
  }
  const target = opts.sampleRate ?? DEFAULT_SAMPLE_RATE
  assertSampleRate(target)
  const fail: (msg: string) => never = (msg) => {
    throw new AudioFormatError(label + msg)
  }
  const dv = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  const len = buffer.byteLength
  const magic = len >= 4 ? ascii(buffer, 0) : ''
  if (magic === 'RIFX') fail('unsupported WAV variant: big-endian RIFX')
  if (magic === 'RF64' || magic === 'BW64') fail(`unsupported WAV variant: ${magic} (64-bit sizes)`)
  if (len < 12 || magic !== 'RIFF' || ascii(buffer, 8) !== 'WAVE') {
    fail(`not a WAV file (no RIFF/WAVE header)${sniff(buffer)}`)
  }

  let fmt: Fmt | undefined
  let data: { offset: number; size: number } | undefined
  let off = 12
  while (off + 8 <= len) {
    const id = ascii(buffer, off)
    const size = dv.getUint32(off + 4, true)
    const body = off + 8
    const available = len - body
    if (id === 'data' && !data) {
      const unfinished = size === 0xffffffff || (size === 0 && available > 0 && !looksLikeChunk(buffer, body))
      if (unfinished) {
        data = { offset: body, size: available }
        if (fmt) break
        fail('no fmt chunk before the data chunk of unknown size (streamed WAV); cannot tell the format')
      }
      if (size > available) fail(`truncated: data chunk declares ${size} bytes but only ${available} present`)
      data = { offset: body, size }
    } else if (id === 'fmt ' && !fmt) {
      if (size > available) fail(`truncated: fmt chunk declares ${size} bytes but only ${available} present`)
      fmt = parseFmt(buffer, dv, body, size, fail)
    } else if (size > available) {
      if (fmt && data) break // trailing metadata cut short; the audio is complete
      fail(`truncated: ${JSON.stringify(id)} chunk declares ${size} bytes but only ${available} present`)
    }
    let next = body + size + (size & 1)
    // Some writers omit the pad byte after an odd-sized chunk: follow the header that is actually there.
    if (size & 1 && next + 8 <= len && !looksLikeChunk(buffer, next) && looksLikeChunk(buffer, next - 1)) next--
    off = next
  }
  if (!fmt) return fail('no fmt chunk')
  if (!data) return fail('no data chunk')
  const f: Fmt = fmt
  const d = data

  const frames = Math.floor(d.size / f.blockAlign)
  const bytes = buffer.subarray(d.offset, d.offset + frames * f.blockAlign)
  const source: WavSourceFormat = {
    sampleRate: f.sampleRate,
    channels: f.channels,
    bitsPerSample: f.bitsPerSample,
    format: f.encoding,
  }

  if (target > f.sampleRate * MAX_UPSAMPLING) {
    // A corrupt or hostile header (1 Hz) would otherwise turn 2 KB into tens of MB of PCM.
    fail(`sample rate ${f.sampleRate} Hz is too low to convert to ${target} Hz (limit ${MAX_UPSAMPLING}× upsampling)`)
  }
  let pcm: Buffer
  if (f.encoding === 'pcm' && f.container === 2 && f.channels === 1) {
    // The common case: no float round trip, so 16-bit mono at the target rate is bit-exact.
    const s = int16View(bytes)
    pcm = f.sampleRate === target ? int16ToBuffer(Int16Array.from(s)) : float32ToPcm16(resampleFloat32(scaled(s), f.sampleRate, target))
  } else {
    const mono = toMonoFloat(bytes, f, frames)
    pcm = float32ToPcm16(f.sampleRate === target ? mono : resampleFloat32(mono, f.sampleRate, target))
  }
  return { data: pcm, sampleRate: target, durationMs: ((pcm.byteLength / 2) * 1000) / target, source }
}

function parseFmt(buffer: Uint8Array, dv: DataView, at: number, size: number, fail: (m: string) => never): Fmt {
  if (size < 16) fail(`fmt chunk is ${size} bytes, expected at least 16`)
  let tag = dv.getUint16(at, true)
  const channels = dv.getUint16(at + 2, true)
  const sampleRate = dv.getUint32(at + 4, true)
  const blockAlign = dv.getUint16(at + 12, true)
  const bitsPerSample = dv.getUint16(at + 14, true)
  if (tag === 0xfffe) {
    if (size < 40) fail(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, expected 40`)
    const guid = buffer.subarray(at + 24, at + 40)
    if (!SUBTYPE_GUID_TAIL.every((b, i) => guid[i + 2] === b)) {
      fail(`unsupported encoding: WAVE_FORMAT_EXTENSIBLE sub-format ${guidString(guid)}`)
    }
    tag = dv.getUint16(at + 24, true)
  }
  const encoding = ENCODINGS[tag]
  if (!encoding) {
    const hex = '0x' + tag.toString(16).toUpperCase().padStart(4, '0')
    fail(`unsupported encoding: format tag ${hex} (${FORMAT_NAMES[tag] ?? 'unknown'}); convert to PCM first`)
  }
  if (channels === 0) fail('fmt chunk declares 0 channels')
  if (sampleRate === 0 || sampleRate > 1_000_000) fail(`fmt chunk declares an invalid sample rate of ${sampleRate} Hz`)
  const minBytes = Math.ceil(bitsPerSample / 8)
  // blockAlign decides the container (e.g. 20-bit samples in 3 or 4 bytes); 0 is a writer bug, so derive it.
  const align = blockAlign === 0 ? channels * minBytes : blockAlign
  const container = align / channels
  const bad = (expected: string): never =>
    fail(
      `unsupported ${encoding === 'pcm' ? 'PCM' : encoding} layout: ${bitsPerSample} bits per sample, blockAlign ${blockAlign} for ${channels} channel(s); expected ${expected}`,
    )
  if (encoding === 'pcm') {
    if (bitsPerSample < 1 || bitsPerSample > 32 || !Number.isInteger(container) || container < minBytes || container > 4) {
      bad('1..32-bit integer samples in 1..4-byte containers')
    }
  } else if (encoding === 'float') {
    if ((bitsPerSample !== 32 && bitsPerSample !== 64) || container !== bitsPerSample / 8) bad('32- or 64-bit float samples')
  } else if (bitsPerSample !== 8 || container !== 1) {
    bad('8 bits per sample')
  }
  return { encoding, channels, sampleRate, bitsPerSample, container, blockAlign: align }
}

/** Averages all channels into one float channel scaled to -1..1. Float64 so 24/32-bit input rounds exactly. */
function toMonoFloat(bytes: Uint8Array, f: Fmt, frames: number): Float64Array {
  const { channels, container } = f
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const total = frames * channels
  const samples = new Float64Array(total)
  if (f.encoding === 'mulaw' || f.encoding === 'alaw') {
    const s = int16View(f.encoding === 'mulaw' ? muLawDecode(bytes) : aLawDecode(bytes))
    for (let i = 0; i < total; i++) samples[i] = s[i] / 32768
  } else if (f.encoding === 'float') {
    if (container === 4) for (let i = 0; i < total; i++) samples[i] = dv.getFloat32(i * 4, true)
    else for (let i = 0; i < total; i++) samples[i] = dv.getFloat64(i * 8, true)
  } else if (container === 1) {
    for (let i = 0; i < total; i++) samples[i] = (bytes[i] - 128) / 128 // 8-bit WAV is unsigned
  } else if (container === 2) {
    const s = int16View(bytes)
    for (let i = 0; i < total; i++) samples[i] = s[i] / 32768
  } else if (container === 3) {
    for (let i = 0, o = 0; i < total; i++, o += 3) {
      const v = bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16)
      samples[i] = ((v << 8) >> 8) / 8388608 // sign-extend 24 → 32 bits
    }
  } else {
    for (let i = 0; i < total; i++) samples[i] = dv.getInt32(i * 4, true) / 2147483648
  }
  if (channels === 1) return samples
  const mono = new Float64Array(frames)
  for (let i = 0, o = 0; i < frames; i++) {
    let sum = 0
    for (let c = 0; c < channels; c++) sum += samples[o++]
    mono[i] = sum / channels
  }
  return mono
}

function scaled(s: Int16Array): Float32Array {
  const out = new Float32Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s[i] / 32768
  return out
}

export interface WriteWavOptions {
  /** Rate to declare, for raw bytes (default 24000). A chunk brings its own; a different value here is an error. */
  sampleRate?: number
  /** 1 (default) or 2; with 2, `pcm` must already be interleaved L/R frames. */
  channels?: 1 | 2
}

/** Wraps PCM16 LE samples in a 44-byte canonical WAV header (format tag 1, 16-bit). */
export function writeWav(pcm: Pcm16Input, opts: WriteWavOptions = {}): Buffer {
  const { data, sampleRate } = pcmAndRate(pcm, opts.sampleRate, 'pcm')
  const channels = opts.channels ?? 1
  if (channels !== 1 && channels !== 2) {
    throw new InvalidOptionError(`channels must be 1 or 2, got ${String(channels)}`)
  }
  if (data.byteLength % (2 * channels) !== 0) {
    throw new AudioFormatError(`pcm has ${data.byteLength} bytes, not a whole number of ${channels}-channel 16-bit frames (${2 * channels} bytes each)`)
  }
  return wavFile(data, sampleRate, channels)
}

/**
 * A two-channel PCM16 WAV with `left` and `right` time-aligned from their first sample (e.g. user audio and agent
 * audio of a failed test, to listen to side by side). The shorter one is padded with silence at the end.
 */
export function encodeWavStereo(left: Pcm16Input, right: Pcm16Input, sampleRate?: number): Buffer {
  const rateOf = (x: Pcm16Input) => (isAudioChunk(x) ? x.sampleRate : undefined)
  const rate = sampleRate ?? rateOf(left) ?? rateOf(right) ?? DEFAULT_SAMPLE_RATE
  const l = pcmAndRate(left, rate, 'left').data
  const r = pcmAndRate(right, rate, 'right').data
  assertWholeSamples(l, 'left')
  assertWholeSamples(r, 'right')
  const ls = int16View(l)
  const rs = int16View(r)
  const n = Math.max(ls.length, rs.length)
  const out = new Int16Array(n * 2) // zero-filled: the padding
  for (let i = 0; i < ls.length; i++) out[2 * i] = ls[i]
  for (let i = 0; i < rs.length; i++) out[2 * i + 1] = rs[i]
  return wavFile(int16ToBuffer(out), rate, 2)
}

function wavFile(data: Uint8Array, sampleRate: number, channels: number): Buffer {
  if (data.byteLength > 0xffffffff - 36) {
    throw new AudioFormatError(`pcm is ${data.byteLength} bytes, over the 4 GiB size limit of a RIFF WAV`)
  }
  const out = Buffer.allocUnsafe(44 + data.byteLength)
  out.write('RIFF', 0, 'latin1')
  out.writeUInt32LE(36 + data.byteLength, 4)
  out.write('WAVEfmt ', 8, 'latin1')
  out.writeUInt32LE(16, 16)
  out.writeUInt16LE(1, 20) // PCM
  out.writeUInt16LE(channels, 22)
  out.writeUInt32LE(sampleRate, 24)
  out.writeUInt32LE(sampleRate * channels * 2, 28)
  out.writeUInt16LE(channels * 2, 32)
  out.writeUInt16LE(16, 34)
  out.write('data', 36, 'latin1')
  out.writeUInt32LE(data.byteLength, 40)
  out.set(data, 44)
  return out
}

function ascii(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3])
}

/** A plausible chunk header at `at`: a printable four-character id and a size that fits in the file. */
function looksLikeChunk(b: Uint8Array, at: number): boolean {
  if (at + 8 > b.byteLength) return false
  for (let i = at; i < at + 4; i++) if (b[i] < 0x20 || b[i] > 0x7e) return false
  const size = (b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24)) >>> 0
  return at + 8 + size <= b.byteLength
}

/** A hint for the usual non-WAV inputs. */
function sniff(b: Uint8Array): string {
  if (b.byteLength === 0) return ': input is empty'
  const head = b.byteLength >= 4 ? ascii(b, 0) : ''
  if (head.startsWith('ID3') || (b[0] === 0xff && b.byteLength > 1 && (b[1] & 0xe0) === 0xe0)) return '; looks like MP3'
  if (head === 'OggS') return '; looks like Ogg (Vorbis/Opus)'
  if (head === 'fLaC') return '; looks like FLAC'
  if (head === 'FORM') return '; looks like AIFF'
  if (head === 'caff') return '; looks like CAF'
  if (b.byteLength >= 8 && ascii(b, 4) === 'ftyp') return '; looks like MP4/M4A'
  if (head === 'RIFF') return `; RIFF type is ${JSON.stringify(b.byteLength >= 12 ? ascii(b, 8) : '')}, not "WAVE"`
  return ''
}

function guidString(g: Uint8Array): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Array.from(g.subarray(from, to), (x) => x.toString(16).padStart(2, '0'))
    return (reverse ? part.reverse() : part).join('')
  }
  return `{${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}}`.toUpperCase()
}
