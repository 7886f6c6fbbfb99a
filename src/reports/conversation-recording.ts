import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { encodeWavStereo } from '../audio/wav.js'
import { InvalidOptionError } from '../errors/index.js'
import { isVoiceAgentAdapter, observe } from '../adapter/observe.js'
import { layoutConversation, type ConversationLayout, type RecordableConversation } from './layout.js'
import { sanitizeFileName } from './names.js'
import { redactorOf } from '../secrets/redact.js'
import { renderTimelineSvg, type TimelineSvgOptions } from './timeline-svg.js'

/** Paths of a written recording. */
export interface ConversationRecording {
  /** Stereo PCM16 WAV, 24 kHz: user on the left channel, agent on the right, time-aligned. */
  wav: string
  /** SVG picture of the timeline. */
  timeline: string
  /** Length of the recording, ms. */
  durationMs: number
}

/** The turn records of an adapter: its own (`OpenAIRealtimeAdapter`) or those the matchers recorded for it. */
export function conversationOf(source: VoiceAgentAdapter | RecordableConversation): RecordableConversation {
  if (Array.isArray((source as RecordableConversation).turns)) return source as RecordableConversation
  if (isVoiceAgentAdapter(source)) return observe(source)
  throw new InvalidOptionError('expected an adapter or an object with `turns` (e.g. the `agent` fixture)')
}

/** The conversation as a stereo WAV (user left, agent right), laid out as `layoutConversation` explains. */
export function conversationWav(layout: ConversationLayout): Buffer {
  const bytes = (s: Int16Array) => Buffer.from(s.buffer, s.byteOffset, s.byteLength)
  return encodeWavStereo(bytes(layout.user), bytes(layout.agent), layout.sampleRate)
}

/** Writes the WAV and the timeline SVG of a conversation to the given paths (folders are created). */
export async function writeConversationRecording(
  source: VoiceAgentAdapter | RecordableConversation,
  paths: { wav: string; timeline: string },
  svg: TimelineSvgOptions = {},
): Promise<ConversationRecording> {
  const layout = layoutConversation(conversationOf(source))
  // An adapter seen through `observe()` lends its turns, not its redactor: take it from the adapter itself.
  const redact = svg.redact ?? redactorOf(source)
  await Promise.all([mkdir(dirname(paths.wav), { recursive: true }), mkdir(dirname(paths.timeline), { recursive: true })])
  await Promise.all([
    writeFile(paths.wav, conversationWav(layout)),
    writeFile(paths.timeline, renderTimelineSvg(layout, redact ? { ...svg, redact } : svg), 'utf8'),
  ])
  return { wav: paths.wav, timeline: paths.timeline, durationMs: layout.durationMs }
}

/**
 * Records a conversation outside the fixtures: `<dir>/<name>.wav` and `<dir>/<name>.timeline.svg`.
 * `dir` defaults to `.voice-artifacts` in the working directory; `name` is sanitised.
 */
export async function recordConversation(
  source: VoiceAgentAdapter | RecordableConversation,
  options: { name: string; dir?: string; title?: string },
): Promise<ConversationRecording> {
  const base = sanitizeFileName(options?.name ?? '')
  if (!base) throw new InvalidOptionError('recordConversation: option "name" must contain a letter or digit')
  const dir = resolve(options.dir ?? '.voice-artifacts')
  return writeConversationRecording(
    source,
    { wav: join(dir, `${base}.wav`), timeline: join(dir, `${base}.timeline.svg`) },
    { title: options.title ?? options.name },
  )
}
