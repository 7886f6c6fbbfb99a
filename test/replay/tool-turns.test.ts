/**
 * Record and replay of tool turns: a conversation with a function call, recorded through the recording proxy against
 * a fake server standing in for the live API, replays offline with the handler running again; a handler whose output
 * changed fails the replay with a diff naming the `function_call_output`. For `OpenAIRealtimeAdapter` (tool handlers)
 * and for `RealtimeSessionAdapter` (the SDK's own tool runner).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { z } from 'zod'
import '../../src/vitest.js'
import { OpenAIRealtimeAdapter } from '../../src/adapter/index.js'
import { RealtimeSessionAdapter } from '../../src/agents.js'
import type { VoiceAgentAdapter } from '../../src/adapter/types.js'
import { createFakeRealtimeServer, type FakeRealtimeServerOptions } from '../../src/fake-server/index.js'
import { createRecordingProxy, createReplayServer, recordingPaths, saveSessionRecording } from '../../src/replay/index.js'
import { ReplayMismatchError } from '../../src/replay/match.js'

const upstreamOptions: FakeRealtimeServerOptions = {
  reply: {
    toolCalls: [{ name: 'book_table', arguments: { party: 2, time: '19:00' }, callId: 'call_book_1' }],
    followUp: ({ toolOutputs }) => `Booked, your reference is ${(toolOutputs[0]!.value as { ref: string }).ref}.`,
  },
}

type Make = (url: string, ref: string) => VoiceAgentAdapter & { readonly toolCalls: readonly { output: string | null }[] }

const viaHandlers: Make = (url, ref) =>
  new OpenAIRealtimeAdapter({
    url,
    apiKey: '',
    tools: [
      {
        type: 'function',
        name: 'book_table',
        description: 'Books a table.',
        parameters: { type: 'object', properties: { party: { type: 'number' }, time: { type: 'string' } } },
        execute: async ({ party }: { party: number }) => ({ ok: true, ref: `${ref}${party}` }),
      },
    ],
  })

const viaAgentsSdk: Make = (url, ref) => {
  const bookTable = tool({
    name: 'book_table',
    description: 'Books a table.',
    parameters: z.object({ party: z.number(), time: z.string() }),
    execute: async ({ party }) => ({ ok: true, ref: `${ref}${party}` }),
  })
  const session = new RealtimeSession(new RealtimeAgent({ name: 'Host', tools: [bookTable] }), { transport: 'websocket' })
  return new RealtimeSessionAdapter(session, { url })
}

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'expect-voice-tools-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The test's conversation: one turn, the tool runs, the follow-up speaks its result. */
async function converse(agent: VoiceAgentAdapter, ref: string): Promise<void> {
  await agent.sendText?.('A table for two at seven, please.')
  await expect(agent).toCallTool('book_table', { party: 2 })
  await expect(agent).toSay(`booked, your reference is ${ref}2`)
}

async function record(name: string, make: Make): Promise<string> {
  const paths = recordingPaths({ testFile: join(dir, 'tools.test.ts'), testName: name })
  const upstream = await createFakeRealtimeServer(upstreamOptions)
  const proxy = await createRecordingProxy({ upstream: upstream.url })
  const agent = make(proxy.url, 'T')
  try {
    await agent.connect()
    await converse(agent, 'T')
  } finally {
    await agent.disconnect()
    await proxy.close()
    await upstream.close()
  }
  await saveSessionRecording(paths, proxy.recording({ test: name }))
  return paths.json
}

async function replayWith(file: string, make: Make, ref: string) {
  const server = await createReplayServer(file, { pacing: 'fast' })
  const agent = make(server.url, ref)
  onTestFinished(async () => {
    await agent.disconnect()
    await server.close()
  })
  await agent.connect()
  return { server, agent }
}

describe.each([
  ['OpenAIRealtimeAdapter with a tool handler', viaHandlers],
  ['RealtimeSessionAdapter with a RealtimeAgent tool', viaAgentsSdk],
])('tool turns replay: %s', (label, make) => {
  let file = ''
  beforeAll(async () => {
    file = await record(label, make)
  })

  it('replays offline, running the handler again: passes, and the replay is complete', async () => {
    const { server, agent } = await replayWith(file, make, 'T')
    await converse(agent, 'T')
    expect(agent.toolCalls.map((c) => c.output)).toEqual(['{"ok":true,"ref":"T2"}'])
    await agent.disconnect()
    expect(server.mismatch).toBeNull()
    expect(() => server.verify()).not.toThrow()
  })

  it('a handler whose output changed fails with the replay diff naming the function_call_output', async () => {
    const { server, agent } = await replayWith(file, make, 'X')
    await agent.sendText?.('A table for two at seven, please.')
    // The replay server answers the changed output with an error, not with the recorded follow-up.
    const failure = await expect(agent)
      .toSay('booked, your reference is T2')
      .then(
        () => null,
        (err: Error) => err,
      )
    expect(failure).not.toBeNull()
    const mismatch = server.mismatch
    expect(mismatch).toBeInstanceOf(ReplayMismatchError)
    expect(mismatch!.message).toContain('function_call_output')
    expect(mismatch!.message).toContain('T2')
    expect(mismatch!.message).toContain('X2')
  })
})
