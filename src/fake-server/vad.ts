/**
 * A deterministic energy VAD for the fake's server-side turn detection. It runs on the audio timeline (ms of
 * audio appended since the session started), never on the wall clock, so the same audio always gives the same
 * speech_started / speech_stopped, however fast or slow it was sent.
 *
 * A 10 ms frame is speech when its RMS >= 1000 x threshold (500 at the default 0.5). `semantic_vad` is
 * approximated by silence: 800 ms (eagerness low), 500 ms (medium/auto), 250 ms (high).
 */
import { PCM_RATE } from '../protocol/events.js'

const FRAME_SAMPLES = PCM_RATE / 100

export type VadEvent = { type: 'start'; audioStartMs: number } | { type: 'stop'; audioEndMs: number }

export interface VadSettings {
  threshold: number
  prefixPaddingMs: number
  silenceDurationMs: number
}

export function vadSettings(turnDetection: Record<string, unknown>): VadSettings {
  if (turnDetection.type === 'semantic_vad') {
    const eagerness = turnDetection.eagerness
    return { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: eagerness === 'low' ? 800 : eagerness === 'high' ? 250 : 500 }
  }
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d)
  return {
    threshold: num(turnDetection.threshold, 0.5),
    prefixPaddingMs: num(turnDetection.prefix_padding_ms, 300),
    silenceDurationMs: num(turnDetection.silence_duration_ms, 200),
  }
}

export class EnergyVad {
  private carry = Buffer.alloc(0)
  private frames = 0
  private speaking = false
  private silentFrames = 0

  get inSpeech(): boolean {
    return this.speaking
  }

  /** Feed appended PCM16; returns the transitions it caused, in order. */
  feed(pcm: Buffer, settings: VadSettings): VadEvent[] {
    const events: VadEvent[] = []
    const data = this.carry.length ? Buffer.concat([this.carry, pcm]) : pcm
    const frameBytes = FRAME_SAMPLES * 2
    const whole = Math.floor(data.length / frameBytes)
    const level = 1000 * settings.threshold
    for (let f = 0; f < whole; f++) {
      let sum = 0
      const base = f * frameBytes
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const s = data.readInt16LE(base + i * 2)
        sum += s * s
      }
      const speech = Math.sqrt(sum / FRAME_SAMPLES) >= level
      const frameStartMs = this.frames * 10
      this.frames++
      if (speech) {
        this.silentFrames = 0
        if (!this.speaking) {
          this.speaking = true
          events.push({ type: 'start', audioStartMs: Math.max(0, frameStartMs - settings.prefixPaddingMs) })
        }
      } else if (this.speaking) {
        this.silentFrames++
        if (this.silentFrames * 10 >= settings.silenceDurationMs) {
          this.speaking = false
          this.silentFrames = 0
          events.push({ type: 'stop', audioEndMs: this.frames * 10 })
        }
      }
    }
    this.carry = Buffer.from(data.subarray(whole * frameBytes))
    return events
  }

  /** After a manual commit or a clear: forget the current utterance (the timeline keeps counting). */
  reset(): void {
    this.speaking = false
    this.silentFrames = 0
  }
}
