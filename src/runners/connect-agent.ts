import { OpenAIRealtimeAdapter, type OpenAIRealtimeAdapterOptions } from '../adapter/openai-realtime-adapter.js'
import { MissingApiKeyError } from '../errors/index.js'
import type { RecordReplayOptions } from '../replay/mode.js'

/** Options of the `agent` fixture (per file, describe or test); `mode`, `pacing`, ... choose live, record, replay or fake. */
export interface VoiceAgentOptions extends Omit<OpenAIRealtimeAdapterOptions, 'logger'>, RecordReplayOptions {}

export const NO_TARGET_HELP =
  'The `agent` fixture has nowhere to connect: there is no OPENAI_API_KEY and no `url`.\n' +
  '  • To test the live API, set OPENAI_API_KEY.\n' +
  "  • To test offline, use the built-in fake server: `import { fakeTest as test } from 'expect-voice/vitest'`\n" +
  '    (Jest: `useVoiceAgent({ fake: true })`), or point `url` at your own server with test.override({ voiceOptions: { url } }).'

/** Creates and connects an adapter for a fixture; explains what to do when there is nothing to connect to. */
export async function connectAgent(options: VoiceAgentOptions, fallbackUrl?: string): Promise<OpenAIRealtimeAdapter> {
  const url = options.url ?? fallbackUrl
  if (!url && !options.apiKey && !process.env.OPENAI_API_KEY) throw new MissingApiKeyError(NO_TARGET_HELP)
  const agent = new OpenAIRealtimeAdapter({ ...options, url })
  try {
    await agent.connect()
  } catch (err) {
    await agent.disconnect()
    throw err
  }
  return agent
}
