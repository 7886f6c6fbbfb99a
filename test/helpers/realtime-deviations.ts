import type { KnownDeviation } from './typecheck-literals.js'

/**
 * Where the live API (and so the fake) sends something `RealtimeServerEvent` does not declare. Each entry is
 * backed by a capture in research/realtime-protocol.md; the probe test in test/sdk/wire.typecheck.test.ts proves each one is really
 * rejected by the SDK types, so this list cannot quietly grow stale.
 */
export const KNOWN_SERVER_EVENT_DEVIATIONS: KnownDeviation[] = [
  {
    types: ['response.output_audio_transcript.delta', 'response.output_text.delta', 'conversation.item.input_audio_transcription.delta'],
    path: 'obfuscation',
    reason: 'live streaming deltas carry an undocumented `obfuscation` string (captures S2, S3, §2)',
  },
  { types: ['session.created', 'session.updated'], path: 'session.object', reason: "live session payload has object 'realtime.session' (capture S2, §3)" },
  { types: ['session.created', 'session.updated'], path: 'session.id', reason: 'live session payload has the session id (capture S2, §3)' },
  { types: ['session.created', 'session.updated'], path: 'session.expires_at', reason: 'live session payload has expires_at (capture S2, §3)' },
  { types: ['session.created', 'session.updated'], path: 'session.include', onlyNull: true, reason: 'live sends include: null (capture S2)' },
  {
    types: ['session.created', 'session.updated'],
    path: 'session.audio.input.transcription',
    onlyNull: true,
    reason: 'live sends transcription: null when off (capture S2)',
  },
  {
    types: ['session.created', 'session.updated'],
    path: 'session.audio.input.noise_reduction',
    onlyNull: true,
    reason: 'live sends noise_reduction: null (capture S2)',
  },
  {
    types: ['session.created', 'session.updated'],
    path: 'session.audio.input.transcription.language',
    onlyNull: true,
    reason: 'live fills language: null after an update (capture S3 probe 7)',
  },
  {
    types: ['session.created', 'session.updated'],
    path: 'session.audio.input.transcription.prompt',
    onlyNull: true,
    reason: 'live fills prompt: null after an update (capture S3 probe 7)',
  },
  {
    types: ['response.created', 'response.done'],
    path: 'response.status_details',
    onlyNull: true,
    reason: 'live sends status_details: null while in progress and when completed (captures S2, S3, §2.3)',
  },
  { types: ['response.created'], path: 'response.usage', onlyNull: true, reason: 'live response.created has usage: null (captures S2, S3)' },
  { types: ['response.done'], path: 'response.status_details.error.code', onlyNull: true, reason: 'failed responses carry error.code: null (S23)' },
  {
    types: ['conversation.item.added', 'conversation.item.done', 'conversation.item.retrieved'],
    path: 'item.content.*.transcript',
    onlyNull: true,
    reason: 'a committed user audio item has transcript: null (captures S2, S3, §2.2)',
  },
]
