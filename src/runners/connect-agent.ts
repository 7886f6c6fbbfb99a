import { OpenAIRealtimeAdapter, type OpenAIRealtimeAdapterOptions } from '../adapter/openai-realtime-adapter.js'
import { isVoiceAgentAdapter } from '../adapter/observe.js'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { InvalidOptionError, MissingApiKeyError } from '../errors/index.js'
import type { RecordReplayOptions } from '../replay/mode.js'

/** Where a fixture's adapter connects, for the mode the test runs in (fake server, recording proxy, replay server, live). */
export interface AgentTarget {
  /** The endpoint to dial; `undefined`: the live API. On loopback (fake, record, replay) it needs no key. */
  url: string | undefined
  /** The key to connect with; `undefined` on loopback (the recording proxy adds the real one upstream). */
  apiKey: string | undefined
}

/**
 * Makes the adapter a fixture connects instead of `OpenAIRealtimeAdapter` (your own agent, e.g.
 * `({ url }) => new RealtimeSessionAdapter(createMySession(), { url })`). The fixture connects it and always
 * disconnects it.
 */
export type AgentFactory<A extends VoiceAgentAdapter = VoiceAgentAdapter> = (target: AgentTarget) => A | Promise<A>

/** Options of the `agent` fixture (per file, describe or test); `mode`, `pacing`, ... choose live, record, replay or fake. */
export interface VoiceAgentOptions extends Omit<OpenAIRealtimeAdapterOptions, 'logger'>, RecordReplayOptions {
  /** The adapter to connect instead of `OpenAIRealtimeAdapter` (the fixtures' `voiceAgent`, Jest's `useVoiceAgent`). */
  agentFactory?: AgentFactory
}

export const NO_TARGET_HELP =
  'The `agent` fixture has nowhere to connect: there is no OPENAI_API_KEY and no `url`.\n' +
  '  • To test the live API, set OPENAI_API_KEY.\n' +
  "  • To test offline, use the built-in fake server: `import { fakeTest as test } from 'expect-voice/vitest'`\n" +
  '    (Jest: `useVoiceAgent({ fake: true })`), or point `url` at your own server with test.override({ voiceOptions: { url } }).'

/** Creates and connects an adapter for a fixture; explains what to do when there is nothing to connect to. */
export async function connectAgent(options: VoiceAgentOptions, fallbackUrl?: string): Promise<VoiceAgentAdapter> {
  const { agentFactory, ...adapterOptions } = options
  const url = adapterOptions.url ?? fallbackUrl
  if (!url && !adapterOptions.apiKey && !process.env.OPENAI_API_KEY) throw new MissingApiKeyError(NO_TARGET_HELP)
  let agent: VoiceAgentAdapter
  if (agentFactory) {
    // '' is what the fixtures pass for loopback endpoints: no key there.
    const apiKey = adapterOptions.apiKey === '' ? undefined : (adapterOptions.apiKey ?? process.env.OPENAI_API_KEY)
    const made: unknown = await agentFactory({ url, apiKey })
    if (!isVoiceAgentAdapter(made) || typeof (made as VoiceAgentAdapter).connect !== 'function') {
      throw new InvalidOptionError(`option "agentFactory" must return a VoiceAgentAdapter (connect, sendAudio, recvAudio, interrupt), got ${describe(made)}`)
    }
    agent = made
  } else {
    agent = new OpenAIRealtimeAdapter({ ...adapterOptions, url })
  }
  try {
    await agent.connect()
  } catch (err) {
    await agent.disconnect()
    throw err
  }
  return agent
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value)
  return value.constructor?.name ? `a ${value.constructor.name}` : 'an object'
}
