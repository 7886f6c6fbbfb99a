/**
 * The fixtures' side of record and replay, runner-neutral: decide the test's mode, start what it needs (recording
 * proxy, replay server, fake agent), connect the adapter to it, and at the end write the recording or check that the
 * replay was complete. Used by `expect-voice/vitest` and `expect-voice/jest`.
 */
import { existsSync } from 'node:fs'
import { relative, sep } from 'node:path'
import type { OpenAIRealtimeAdapter } from '../adapter/openai-realtime-adapter.js'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { ExpectVoiceError, InvalidOptionError, MissingApiKeyError } from '../errors/index.js'
import { createFakeRealtimeServer } from '../fake-server/index.js'
import { connectAgent, NO_TARGET_HELP, type VoiceAgentOptions } from './connect-agent.js'
import { currentJestTestErrors } from './jest-state.js'
import { recordingPaths, type RecordingPaths } from '../replay/cassette.js'
import { saveSessionRecording } from '../replay/save.js'
import { MISMATCH_ERROR_CODE } from '../replay/match.js'
import { resolveRecordReplayMode, recordReplayEnvironment, type RecordReplayOptions, type ResolvedVoiceTestMode } from '../replay/mode.js'
import { createRecordingProxy } from '../replay/proxy.js'
import { createReplayServer } from '../replay/replay-server.js'

export interface VoiceSessionContext {
  runner: 'vitest' | 'jest'
  /** Absolute path of the test file. */
  testFile?: string
  /** The test's full name (describe blocks included). */
  testName?: string
  /**
   * The url of the fixture's own fake server (`fakeTest`, `useVoiceAgent({ fake })`). Such fixtures default to mode
   * `fake` and ignore EXPECT_VOICE_MODE; with an explicit `mode`, their fake server stands in for the live API.
   */
  ownFakeServerUrl?: string
}

/** `A`: `OpenAIRealtimeAdapter`, or what `agentFactory` makes. */
export interface VoiceSession<A extends VoiceAgentAdapter = VoiceAgentAdapter> {
  readonly agent: A
  readonly mode: ResolvedVoiceTestMode
  /** Why this mode (for reports). */
  readonly reason: string
  /** The test's recording file (whether or not it exists), when the test file and name are known. */
  readonly recordingPath: string | null
  /**
   * Call once the agent has disconnected. Record mode: writes the recording if the test passed (and it changed).
   * Replay mode: throws the replay mismatch unless the test already failed with it, and, when the test passed,
   * throws if it did not send everything the recording has. Always releases the servers it started.
   */
  finish(outcome: { failed: boolean; errors?: readonly unknown[] }): Promise<void>
}

/** Options of the `agent` fixture that only the fixture reads (the adapter gets the rest). */
export function splitVoiceOptions(options: VoiceAgentOptions & RecordReplayOptions): {
  recordReplay: RecordReplayOptions
  agentOptions: VoiceAgentOptions
} {
  const { mode, pacing, recordingsDir, recordingName, fakeAgent, ...agentOptions } = options
  const recordReplay: RecordReplayOptions = {}
  if (mode !== undefined) recordReplay.mode = mode
  if (pacing !== undefined) recordReplay.pacing = pacing
  if (recordingsDir !== undefined) recordReplay.recordingsDir = recordingsDir
  if (recordingName !== undefined) recordReplay.recordingName = recordingName
  if (fakeAgent !== undefined) recordReplay.fakeAgent = fakeAgent
  return { recordReplay, agentOptions }
}

// Two tests must never write one file: the second one to claim a path in this process gets an error.
const claims = new Map<string, string>()

function claim(paths: RecordingPaths, testName: string): void {
  const key = paths.json.toLowerCase()
  const owner = claims.get(key)
  if (owner !== undefined && owner !== testName) {
    throw new InvalidOptionError(
      `expect-voice: the tests "${owner}" and "${testName}" would share the recording ${display(paths.json)}. ` +
        'Rename one, or give it its own `recordingName`.',
    )
  }
  claims.set(key, testName)
}

/** Creates and connects the fixture's agent in the mode this test runs in. */
export async function openVoiceSession<A extends VoiceAgentAdapter = OpenAIRealtimeAdapter>(
  options: VoiceAgentOptions & RecordReplayOptions,
  ctx: VoiceSessionContext,
): Promise<VoiceSession<A>> {
  const session = await openSession(options, ctx)
  sessionModes.set(session.agent, session.mode)
  // `A` is `OpenAIRealtimeAdapter` unless `agentFactory` is set, and then the caller names what it makes.
  return session as VoiceSession<A>
}

const sessionModes = new WeakMap<object, ResolvedVoiceTestMode>()

/** The mode the fixture's agent was opened in (undefined for agents not made by the fixtures). */
export function voiceSessionMode(agent: object): ResolvedVoiceTestMode | undefined {
  return sessionModes.get(agent)
}

async function openSession(options: VoiceAgentOptions & RecordReplayOptions, ctx: VoiceSessionContext): Promise<VoiceSession> {
  const { recordReplay, agentOptions } = splitVoiceOptions(options)
  const env = recordReplayEnvironment()
  if (recordReplay.pacing !== undefined && recordReplay.pacing !== 'recorded' && recordReplay.pacing !== 'fast') {
    throw new InvalidOptionError(`option "pacing" must be 'recorded' or 'fast'; got ${JSON.stringify(recordReplay.pacing)}`)
  }
  const paths =
    ctx.testFile && ctx.testName
      ? recordingPaths({ testFile: ctx.testFile, testName: ctx.testName, dir: recordReplay.recordingsDir, name: recordReplay.recordingName })
      : null
  const recordingExists = paths !== null && existsSync(paths.json)
  const apiKey = agentOptions.apiKey ?? process.env.OPENAI_API_KEY ?? undefined
  const target = agentOptions.url ?? ctx.ownFakeServerUrl
  const decision = resolveRecordReplayMode({
    mode: recordReplay.mode,
    ownFakeServer: ctx.ownFakeServerUrl !== undefined,
    recordingExists,
    hasTarget: !!target || !!apiKey,
    env,
  })
  const rerecord = paths && ctx.testFile && ctx.testName ? rerecordCommand(ctx) : undefined
  const base = { reason: decision.reason, recordingPath: paths?.json ?? null }

  switch (decision.mode) {
    case null:
      throw new MissingApiKeyError(
        `${NO_TARGET_HELP}\n` +
          (rerecord && paths
            ? `  • To run it offline and for free, record it once against the live API (needs a key):\n      ${rerecord}\n    The recording (${display(paths.json)}) is replayed from then on, with no key and no network.\n`
            : '') +
          "  • Or run every voice test against the built-in scripted agent: EXPECT_VOICE_MODE=fake (or voiceOptions: { mode: 'fake' }).",
      )

    case 'live': {
      const agent = await connectAgent(agentOptions, ctx.ownFakeServerUrl)
      return { ...base, agent, mode: 'live', finish: async () => {} }
    }

    case 'fake': {
      if (ctx.ownFakeServerUrl !== undefined) {
        const agent = await connectAgent(agentOptions, ctx.ownFakeServerUrl)
        return { ...base, agent, mode: 'fake', finish: async () => {} }
      }
      const fake = await createFakeRealtimeServer(recordReplay.fakeAgent)
      try {
        const agent = await connectAgent(local(agentOptions, fake.url))
        return { ...base, agent, mode: 'fake', finish: () => fake.close() }
      } catch (err) {
        await fake.close()
        throw err
      }
    }

    case 'record': {
      const where = needPaths(paths, ctx, 'record')
      if (!target && !apiKey) {
        throw new MissingApiKeyError(
          `expect-voice: ${decision.reason} records "${ctx.testName}" against the live API, but there is no OPENAI_API_KEY and no \`url\`.\n` +
            '  Set OPENAI_API_KEY (or point voiceOptions.url at the endpoint to record), then run the test again.',
        )
      }
      claim(where, ctx.testName!)
      const proxy = await createRecordingProxy({
        ...(target !== undefined ? { upstream: target } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(agentOptions.headers ? { headers: agentOptions.headers } : {}),
        ...(agentOptions.wsOptions ? { wsOptions: agentOptions.wsOptions as Record<string, unknown> } : {}),
      })
      let agent: VoiceAgentAdapter
      try {
        agent = await connectAgent(local(agentOptions, proxy.url))
      } catch (err) {
        await proxy.close()
        throw err
      }
      return {
        ...base,
        agent,
        mode: 'record',
        async finish({ failed }) {
          await proxy.close()
          if (!failed) await saveSessionRecording(where, proxy.recording({ test: ctx.testName }))
        },
      }
    }

    case 'replay': {
      const where = needPaths(paths, ctx, 'replay')
      if (!recordingExists) {
        throw new ExpectVoiceError(
          `expect-voice: ${decision.reason} replays "${ctx.testName}", but it has no recording (looked for ${display(where.json)}).\n` +
            `  • Record it once against the live API (needs OPENAI_API_KEY, or a url):\n      ${rerecord}\n` +
            "  • Or run it against the built-in scripted agent: voiceOptions: { mode: 'fake' } (or EXPECT_VOICE_MODE=fake).",
        )
      }
      claim(where, ctx.testName!)
      const server = await createReplayServer(where.json, {
        pacing: recordReplay.pacing ?? env.pacing ?? 'recorded',
        source: display(where.json),
        ...(rerecord ? { rerecord } : {}),
      })
      let agent: VoiceAgentAdapter
      try {
        agent = await connectAgent(local(agentOptions, server.url))
      } catch (err) {
        await server.close()
        throw server.mismatch ?? err
      }
      return {
        ...base,
        agent,
        mode: 'replay',
        async finish({ failed, errors = [] }) {
          await server.close()
          const mismatch = server.mismatch
          if (mismatch && !alreadyReported(errors)) throw mismatch
          if (!failed) server.verify()
        },
      }
    }
  }
}

/** Agent options for a local server (proxy, replay, fake): no key and no credential headers on the loopback leg. */
function local(options: VoiceAgentOptions, url: string): VoiceAgentOptions {
  const { headers: _headers, wsOptions: _wsOptions, ...rest } = options
  return { ...rest, url, apiKey: '' }
}

function needPaths(paths: RecordingPaths | null, ctx: VoiceSessionContext, mode: string): RecordingPaths {
  if (paths && ctx.testName) return paths
  throw new ExpectVoiceError(`expect-voice: mode '${mode}' needs the test's file and name to find its recording, and this ${ctx.runner} test has none`)
}

function alreadyReported(errors: readonly unknown[]): boolean {
  const text = (e: unknown): string => {
    if (Array.isArray(e)) return e.map(text).join('\n')
    if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message)
    return String(e)
  }
  return errors.some((e) => {
    const t = text(e)
    return t.includes(MISMATCH_ERROR_CODE) || t.includes('expect-voice replay:')
  })
}

/** A path as the user would type it: relative to the working directory when inside it. */
function display(path: string): string {
  const rel = relative(process.cwd(), path)
  return (rel && !rel.startsWith('..') ? rel : path).split(sep).join('/')
}

function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(text)) return text
  if (!text.includes("'")) return `'${text}'`
  return `"${text.replace(/(["\\$`])/g, '\\$1')}"`
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The command that re-records one test with its runner. */
export function rerecordCommand(ctx: VoiceSessionContext): string {
  const file = shellQuote(display(ctx.testFile!))
  if (ctx.runner === 'jest') return `EXPECT_VOICE_UPDATE=1 npx jest ${file} -t ${shellQuote(`^${escapeRegExp(ctx.testName!)}$`)}`
  const own = ctx.testName!.split(' > ').at(-1)!
  return `EXPECT_VOICE_UPDATE=1 npx vitest run ${file} -t ${shellQuote(escapeRegExp(own))}`
}

/** The parts of a Vitest task the fixture reads (structural, so this module does not import Vitest). */
export interface VitestTaskLike {
  name: string
  fullTestName?: string
  file?: { filepath?: string }
  result?: { state?: string; errors?: readonly unknown[] }
}

/** The session context of a Vitest test. */
export function vitestSessionContext(task: VitestTaskLike | undefined, ownFakeServerUrl?: string): VoiceSessionContext {
  const ctx: VoiceSessionContext = { runner: 'vitest' }
  if (ownFakeServerUrl !== undefined) ctx.ownFakeServerUrl = ownFakeServerUrl
  if (!task) return ctx
  if (task.file?.filepath) ctx.testFile = task.file.filepath
  ctx.testName = task.fullTestName ?? task.name
  return ctx
}

/** How a Vitest test went, read in fixture teardown (the runner has set the result by then). */
export function vitestOutcome(task: VitestTaskLike | undefined, thrown: readonly unknown[] = []): { failed: boolean; errors: unknown[] } {
  const errors = [...(task?.result?.errors ?? []), ...thrown]
  return { failed: thrown.length > 0 || task?.result?.state === 'fail', errors }
}

/** The session context of a Jest test (from `expect.getState()`). */
export function jestSessionContext(state: { currentTestName?: string; testPath?: string }, ownFakeServerUrl?: string): VoiceSessionContext {
  const ctx: VoiceSessionContext = { runner: 'jest' }
  if (ownFakeServerUrl !== undefined) ctx.ownFakeServerUrl = ownFakeServerUrl
  if (state.testPath) ctx.testFile = state.testPath
  if (state.currentTestName) ctx.testName = state.currentTestName
  return ctx
}

/** How a Jest test went, read in `afterEach` (jest-circus state; when unreadable, only what the hook itself threw). */
export function jestOutcome(thrown: readonly unknown[] = []): { failed: boolean; errors: unknown[] } {
  const errors = [...(currentJestTestErrors() ?? []), ...thrown]
  return { failed: errors.length > 0, errors }
}
