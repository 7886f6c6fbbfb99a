/**
 * Which mode a voice test runs in: live, record, replay or fake. Chosen per test from its own option, then the
 * environment, then the default (replay when a recording exists, else live when there is somewhere to connect).
 */
import { InvalidOptionError } from '../errors/index.js'
import type { FakeRealtimeServerOptions } from '../fake-server/index.js'
import type { ReplayPacing } from './replay-server.js'

/**
 * - `auto` (default): `replay` when the test has a recording, else `live` when there is somewhere to connect
 *   (OPENAI_API_KEY or a `url`), else an error that says how to record or how to use the fake agent.
 * - `live`: the real endpoint (or `url`), nothing written.
 * - `record`: live, through a recording proxy; the test's recording is written when it passes.
 * - `replay`: the recording, served on 127.0.0.1; never touches the network. No recording is an error.
 * - `fake`: the built-in scripted agent (`createFakeRealtimeServer`).
 */
export type VoiceTestMode = 'auto' | 'live' | 'record' | 'replay' | 'fake'
export type ResolvedVoiceTestMode = Exclude<VoiceTestMode, 'auto'>

export const VOICE_TEST_MODES: readonly VoiceTestMode[] = ['auto', 'live', 'record', 'replay', 'fake']

/** Per-file / per-test options of record and replay (part of the `agent` fixture's options). */
export interface RecordReplayOptions {
  /** Default: `EXPECT_VOICE_MODE`, else `'auto'` (`'fake'` for fixtures that bring their own fake server). */
  mode?: VoiceTestMode
  /** Replay pacing. Default: `EXPECT_VOICE_PACING`, else `'recorded'`. */
  pacing?: ReplayPacing
  /** Folder of the recordings, relative to the test file's folder (or absolute). Default `__recordings__`. */
  recordingsDir?: string
  /** The recording's name; default: the test's full name. */
  recordingName?: string
  /** Script of the built-in agent in mode `fake` (when the fixture has no fake server of its own). */
  fakeAgent?: FakeRealtimeServerOptions
}

export const RECORD_REPLAY_OPTION_KEYS = ['mode', 'pacing', 'recordingsDir', 'recordingName', 'fakeAgent'] as const

export interface RecordReplayEnvironment {
  mode?: VoiceTestMode
  /** `EXPECT_VOICE_UPDATE`: `all` re-records every test that would replay; `new` records the tests that have no recording. */
  update: 'all' | 'new' | null
  pacing?: ReplayPacing
}

/** Reads `EXPECT_VOICE_MODE`, `EXPECT_VOICE_UPDATE` and `EXPECT_VOICE_PACING`; a bad value is an error naming the variable. */
export function recordReplayEnvironment(env: NodeJS.ProcessEnv = process.env): RecordReplayEnvironment {
  const mode = env.EXPECT_VOICE_MODE?.trim().toLowerCase()
  if (mode && !VOICE_TEST_MODES.includes(mode as VoiceTestMode)) {
    throw new InvalidOptionError(`EXPECT_VOICE_MODE must be one of ${VOICE_TEST_MODES.join(', ')}; got ${JSON.stringify(env.EXPECT_VOICE_MODE)}`)
  }
  const update = env.EXPECT_VOICE_UPDATE?.trim().toLowerCase()
  let parsedUpdate: RecordReplayEnvironment['update'] = null
  if (update === '1' || update === 'true' || update === 'all' || update === 'yes') parsedUpdate = 'all'
  else if (update === 'new') parsedUpdate = 'new'
  else if (update && update !== '0' && update !== 'false' && update !== 'no') {
    throw new InvalidOptionError(
      `EXPECT_VOICE_UPDATE must be 1 (re-record every replayed test), new (record only the missing ones) or 0; got ${JSON.stringify(env.EXPECT_VOICE_UPDATE)}`,
    )
  }
  const pacing = env.EXPECT_VOICE_PACING?.trim().toLowerCase()
  if (pacing && pacing !== 'recorded' && pacing !== 'fast') {
    throw new InvalidOptionError(`EXPECT_VOICE_PACING must be recorded or fast; got ${JSON.stringify(env.EXPECT_VOICE_PACING)}`)
  }
  return {
    ...(mode ? { mode: mode as VoiceTestMode } : {}),
    update: parsedUpdate,
    ...(pacing ? { pacing: pacing as ReplayPacing } : {}),
  }
}

export interface ResolveRecordReplayModeInput {
  /** The test's own `mode` option. */
  mode?: VoiceTestMode
  /** The fixture brings its own fake server (`fakeTest`, `useVoiceAgent({ fake })`): the default mode is `fake`. */
  ownFakeServer?: boolean
  recordingExists: boolean
  /** There is somewhere to connect live: a key or a url (or the fixture's own fake server). */
  hasTarget: boolean
  env?: RecordReplayEnvironment
}

export interface VoiceTestModeDecision {
  /** null: nowhere to connect and nothing to replay. */
  mode: ResolvedVoiceTestMode | null
  /** Why, for messages: e.g. `EXPECT_VOICE_UPDATE=1`, `a recording exists`. */
  reason: string
}

/**
 * The mode of one test. Precedence: the test's `mode` option (per file / describe / test), then
 * `EXPECT_VOICE_MODE` (fixtures with their own fake server ignore it: they default to `fake`), then `auto`.
 * `EXPECT_VOICE_UPDATE=1` turns every `auto` or `replay` test into `record`; `=new` records `auto` tests that have
 * no recording yet.
 */
export function resolveRecordReplayMode(input: ResolveRecordReplayModeInput): VoiceTestModeDecision {
  const env = input.env ?? recordReplayEnvironment()
  if (input.mode !== undefined && !VOICE_TEST_MODES.includes(input.mode)) {
    throw new InvalidOptionError(`option "mode" must be one of ${VOICE_TEST_MODES.join(', ')}; got ${JSON.stringify(input.mode)}`)
  }
  const chosen: VoiceTestMode = input.mode ?? (input.ownFakeServer ? 'fake' : (env.mode ?? 'auto'))
  const source =
    input.mode !== undefined
      ? `mode '${input.mode}'`
      : input.ownFakeServer
        ? 'the fixture’s own fake server'
        : env.mode
          ? `EXPECT_VOICE_MODE=${env.mode}`
          : 'the default (auto)'
  if (env.update === 'all' && (chosen === 'auto' || chosen === 'replay')) return { mode: 'record', reason: 'EXPECT_VOICE_UPDATE=1' }
  if (chosen !== 'auto') return { mode: chosen, reason: source }
  if (input.recordingExists) return { mode: 'replay', reason: 'a recording exists' }
  if (env.update === 'new') return { mode: 'record', reason: 'EXPECT_VOICE_UPDATE=new and no recording yet' }
  if (input.hasTarget) return { mode: 'live', reason: 'no recording yet' }
  return { mode: null, reason: 'no recording, no OPENAI_API_KEY and no url' }
}
