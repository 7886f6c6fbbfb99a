/** Reads a canonical PCM16 WAV strictly (header fields, sizes) and splits its channels, for checking what we write. */
export interface WavInfo {
  channels: number
  sampleRate: number
  bitsPerSample: number
  frames: number
  durationMs: number
  channelData: Int16Array[]
}

export function readPcm16Wav(buf: Buffer): WavInfo {
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not RIFF/WAVE')
  if (buf.readUInt32LE(4) !== buf.length - 8) throw new Error(`RIFF size ${buf.readUInt32LE(4)} != file size - 8 (${buf.length - 8})`)
  let off = 12
  let fmt: { channels: number; sampleRate: number; byteRate: number; blockAlign: number; bits: number; tag: number } | null = null
  let data: Buffer | null = null
  while (off + 8 <= buf.length) {
    const id = buf.toString('latin1', off, off + 4)
    const size = buf.readUInt32LE(off + 4)
    const body = buf.subarray(off + 8, off + 8 + size)
    if (body.length !== size) throw new Error(`chunk ${id} truncated`)
    if (id === 'fmt ') {
      fmt = {
        tag: body.readUInt16LE(0),
        channels: body.readUInt16LE(2),
        sampleRate: body.readUInt32LE(4),
        byteRate: body.readUInt32LE(8),
        blockAlign: body.readUInt16LE(12),
        bits: body.readUInt16LE(14),
      }
    } else if (id === 'data') data = body
    off += 8 + size + (size % 2)
  }
  if (!fmt || !data) throw new Error('missing fmt or data chunk')
  if (fmt.tag !== 1 || fmt.bits !== 16) throw new Error(`not PCM16 (tag ${fmt.tag}, ${fmt.bits} bits)`)
  if (fmt.blockAlign !== fmt.channels * 2 || fmt.byteRate !== fmt.sampleRate * fmt.blockAlign) throw new Error('inconsistent fmt chunk')
  if (data.length % fmt.blockAlign) throw new Error('data is not a whole number of frames')
  const frames = data.length / fmt.blockAlign
  const channelData = Array.from({ length: fmt.channels }, () => new Int16Array(frames))
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < fmt.channels; c++) channelData[c]![f] = data.readInt16LE(f * fmt.blockAlign + c * 2)
  }
  return { channels: fmt.channels, sampleRate: fmt.sampleRate, bitsPerSample: fmt.bits, frames, durationMs: (frames * 1000) / fmt.sampleRate, channelData }
}

/** First index at or after `from` whose sample is not zero, or -1. */
export function firstNonZero(samples: Int16Array, from = 0): number {
  for (let i = from; i < samples.length; i++) if (samples[i] !== 0) return i
  return -1
}
