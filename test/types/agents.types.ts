// Type-level checks of the agentFactory options (compiled by `tsc -p tsconfig.json`, never run).
import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime'
import type { OpenAIRealtimeAdapter } from '../../src/index.js'
import { RealtimeSessionAdapter } from '../../src/agents.js'
import type { VoiceAgentHandle } from '../../src/jest.js'
import { useVoiceAgent } from '../../src/jest.js'
import { fakeTest } from '../../src/vitest.js'

const createSession = () => new RealtimeSession(new RealtimeAgent({ name: 'Host' }), { transport: 'websocket' })

export function jestHandles(): void {
  // Without a factory the handle's agent is an OpenAIRealtimeAdapter; with one, what the factory makes.
  const plain: VoiceAgentHandle<OpenAIRealtimeAdapter> = useVoiceAgent({ fake: true })
  const mine: VoiceAgentHandle<RealtimeSessionAdapter> = useVoiceAgent({
    fake: true,
    agentFactory: ({ url }) => new RealtimeSessionAdapter(createSession(), { url }),
  })
  void plain.agent.sendToolResult
  void mine.agent.session
  // @ts-expect-error: a RealtimeSessionAdapter is not an OpenAIRealtimeAdapter
  void mine.agent.sendToolResult
  // @ts-expect-error: the factory must return a VoiceAgentAdapter
  useVoiceAgent({ agentFactory: () => ({ hello: true }) })
}

// The real SDK session fits what the adapter declares it needs (RealtimeSessionLike).
export const adapter = new RealtimeSessionAdapter(createSession())

export const vitestTest = fakeTest.override({
  voiceOptions: { agentFactory: async ({ url, apiKey }) => new RealtimeSessionAdapter(createSession(), { url, ...(apiKey ? { apiKey } : {}) }) },
})
export function vitestFixture(): void {
  vitestTest('voiceAgent is a VoiceAgentAdapter', async ({ voiceAgent }) => {
    await voiceAgent.recvAudio(1000)
  })
}
