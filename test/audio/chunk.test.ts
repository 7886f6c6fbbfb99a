import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AudioChunk } from '../../src/index.js'
import { splitAudio, streamAudio, tone } from '../../src/audio/index.js'
import { AudioFormatError, InvalidOptionError } from '../../src/errors/index.js'

describe('splitAudio', () => {
  it('cuts 20 ms chunks by default, the last one shorter', () => {
    const chunks = splitAudio(Buffer.alloc(2 * 24_250)) // 1010.4 ms at 24 kHz
    expect(chunks).toHaveLength(51)
    expect(chunks.slice(0, 50).every((c) => c.data.length === 960 && c.sampleRate === 24_000)).toBe(true)
    expect(chunks[50].data.length).toBe(2 * 250)
  })

  it('uses the chunk rate and whole samples for any chunkMs', () => {
    expect(splitAudio({ data: Buffer.alloc(16_000), sampleRate: 8000 }, { chunkMs: 30 }).map((c) => c.data.length)).toEqual([...new Array(33).fill(480), 160])
    const c441 = splitAudio(Buffer.alloc(2 * 44_100), { sampleRate: 44_100, chunkMs: 10 })
    expect(c441).toHaveLength(100)
    expect(c441.every((c) => c.data.length === 882 && c.sampleRate === 44_100)).toBe(true)
    // 22.05 kHz × 10 ms = 220.5 samples: rounds to 221, never splits a sample.
    expect(splitAudio(Buffer.alloc(2 * 1000), { sampleRate: 22_050, chunkMs: 10 })[0].data.length).toBe(442)
  })

  it('returns views that concatenate back to the input', () => {
    const audio = tone(440, 95, { rate: 24_000 })
    const chunks = splitAudio(audio)
    expect(chunks[0].data.buffer).toBe(audio.data.buffer)
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(audio.data)).toBe(true)
    expect(splitAudio(Buffer.alloc(0))).toEqual([])
  })

  it('rejects half samples and bad options with the value', () => {
    expect(() => splitAudio(Buffer.alloc(5))).toThrow(AudioFormatError)
    expect(() => splitAudio(Buffer.alloc(5))).toThrow(/audio has 5 bytes, not a whole number of 16-bit samples/)
    expect(() => splitAudio(Buffer.alloc(4), { chunkMs: 0 })).toThrow(/chunkMs must be a positive number of milliseconds, got 0/)
    expect(() => splitAudio({ data: Buffer.alloc(4), sampleRate: 16_000 }, { sampleRate: 24_000 })).toThrow(InvalidOptionError)
  })
})

/** A sink that records when (on the faked clock) each chunk arrived; optionally slow. */
function recorder(sendMs = 0) {
  const sent: Array<{ at: number; bytes: number }> = []
  let inFlight = 0
  let maxInFlight = 0
  return {
    sent,
    get maxInFlight() {
      return maxInFlight
    },
    async sendAudio(chunk: AudioChunk) {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      if (sendMs > 0) await new Promise((r) => setTimeout(r, sendMs))
      sent.push({ at: performance.now(), bytes: chunk.data.length })
      inFlight--
    },
  }
}

describe('streamAudio', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends every chunk in order, one at a time, and reports what it sent', async () => {
    const sink = recorder()
    const audio = tone(440, 105)
    const res = await streamAudio(sink, audio)
    expect(res).toEqual({ chunks: 6, bytes: audio.data.length, durationMs: 105 })
    expect(sink.sent.map((s) => s.bytes)).toEqual([960, 960, 960, 960, 960, 240])
    expect(sink.maxInFlight).toBe(1)
  })

  it('realtime: sends each chunk when its audio has elapsed, on an absolute schedule', async () => {
    vi.useFakeTimers()
    const t0 = performance.now()
    const sink = recorder()
    let done = false
    const p = streamAudio(sink, tone(440, 100), { realtime: true }).then((r) => {
      done = true
      return r
    })
    await vi.advanceTimersByTimeAsync(19)
    expect(sink.sent).toHaveLength(0) // a microphone has nothing to give before 20 ms
    await vi.advanceTimersByTimeAsync(1)
    expect(sink.sent).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(59)
    expect(sink.sent).toHaveLength(3)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(21)
    expect(done).toBe(true)
    expect(sink.sent.map((s) => s.at - t0)).toEqual([20, 40, 60, 80, 100])
    expect((await p).durationMs).toBe(100)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('realtime: a slow sendAudio does not make the schedule drift, and a late chunk goes at once', async () => {
    vi.useFakeTimers()
    const t0 = performance.now()
    const sink = recorder(7) // each send takes 7 ms
    const p = streamAudio(sink, tone(440, 100), { realtime: true })
    await vi.advanceTimersByTimeAsync(200)
    await p
    // Sleep-then-send would drift to 27, 54, 81, ...; the absolute schedule does not.
    expect(sink.sent.map((s) => s.at - t0)).toEqual([27, 47, 67, 87, 107])

    const slow = recorder(30) // slower than real time: each chunk is late, sent as soon as possible
    const t1 = performance.now()
    const q = streamAudio(slow, tone(440, 60), { realtime: true })
    await vi.advanceTimersByTimeAsync(500)
    await q
    expect(slow.sent.map((s) => s.at - t1)).toEqual([50, 80, 110])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('realtime: uneven chunk sizes follow the sample count (22.05 kHz, 10 ms chunks of 221 samples)', async () => {
    vi.useFakeTimers()
    const t0 = performance.now()
    const sink = recorder()
    const p = streamAudio(sink, tone(440, 50, { rate: 22_050 }), { realtime: true, chunkMs: 10 })
    await vi.advanceTimersByTimeAsync(100)
    await p
    // Chunk ends at 221, 442, 663, 884, 1103 samples = 10.02, 20.05, 30.07, 40.09, 50.02 ms: sent at the whole ms after.
    expect(sink.sent.map((s) => s.at - t0)).toEqual([11, 21, 31, 41, 51])
  })

  it('abort: stops sending, rejects with the reason and leaves no timer behind', async () => {
    vi.useFakeTimers()
    const sink = recorder()
    const ac = new AbortController()
    const p = streamAudio(sink, tone(440, 1000), { realtime: true, signal: ac.signal })
    const settled = p.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(50)
    expect(sink.sent).toHaveLength(2)
    ac.abort(new Error('test over'))
    expect(await settled).toEqual(new Error('test over'))
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(1000)
    expect(sink.sent).toHaveLength(2)
  })

  it('abort: an already-aborted signal sends nothing', async () => {
    const sink = recorder()
    const ac = new AbortController()
    ac.abort()
    await expect(streamAudio(sink, tone(440, 100), { signal: ac.signal })).rejects.toThrow(/abort/i)
    expect(sink.sent).toHaveLength(0)
  })

  it('a failing sendAudio rejects the stream, clearing the timer', async () => {
    vi.useFakeTimers()
    let n = 0
    const sink = {
      async sendAudio() {
        if (++n === 2) throw new Error('socket closed')
      },
    }
    const p = streamAudio(sink, tone(440, 200), { realtime: true })
    const settled = p.catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(100)
    expect(await settled).toEqual(new Error('socket closed'))
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects a target without sendAudio', async () => {
    await expect(streamAudio({} as never, Buffer.alloc(2))).rejects.toThrow(/target must have a sendAudio\(chunk\) method/)
  })
})
