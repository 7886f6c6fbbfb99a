import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { AgentRole, type AdapterCapabilities, type AudioChunk, type VoiceAgentAdapter } from '../../src/index.js'
import { failureOf } from '../helpers/voice.js'

/** An in-memory agent with no turn records of its own: the matchers must observe it through its methods. */
class ScriptedAgent implements VoiceAgentAdapter {
  readonly role = AgentRole.AGENT
  readonly capabilities: AdapterCapabilities = {
    streamingTranscripts: false,
    nativeVad: false,
    dtmf: false,
    interruption: true,
    inputFormats: ['pcm16/24000'],
    outputFormats: ['pcm16/24000'],
  }
  lastUserTranscript: string | null = null
  lastAgentTranscript: string | null = null
  private queue: AudioChunk[] = []
  private pending = false
  private interrupted = false
  constructor(
    private readonly reply: string,
    private readonly chunks = 5,
    private readonly heard = 'book a table',
  ) {}
  async connect() {}
  async disconnect() {}
  async sendAudio(_chunk: AudioChunk) {
    this.pending = true
  }
  async sendText(_text: string) {
    this.pending = true
  }
  async recvAudio(_timeoutMs: number): Promise<AudioChunk | null> {
    if (this.pending) {
      this.pending = false
      this.lastUserTranscript = this.heard
      this.queue = Array.from({ length: this.chunks }, () => ({ data: Buffer.alloc(4800), sampleRate: 24000 }))
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
    const next = this.interrupted ? undefined : this.queue.shift()
    if (next) return { ...next, receivedAt: performance.now() }
    this.lastAgentTranscript = this.reply
    return null
  }
  async interrupt() {
    this.interrupted = true
  }
}

describe('matchers on an adapter that only implements VoiceAgentAdapter', () => {
  it('toSay and toRespondWithin work through the adapter methods', async () => {
    const agent = new ScriptedAgent('Your table for two is booked.')
    await agent.sendText('book a table')
    await expect(agent).toRespondWithin(1000)
    await expect(agent).toSay('table for 2 is booked')
    await expect(agent).not.toSay('cancelled')
  })

  it('toTranscribeAs reads lastUserTranscript', async () => {
    const agent = new ScriptedAgent('ok', 2, 'book a cable')
    await agent.sendAudio({ data: Buffer.alloc(4800), sampleRate: 24000 })
    await expect(agent).toTranscribeAs('book a table', { maxWer: 0.4 })
    const message = await failureOf(expect(agent).toTranscribeAs('book a table', { maxWer: 0 }))
    expect(message).toContain('[table→cable]')
  })

  it('toStopOnInterrupt passes when the adapter stops and reports nothing to interrupt afterwards', async () => {
    const agent = new ScriptedAgent('long answer', 50)
    await agent.sendText('talk')
    await expect(agent).toStopOnInterrupt()
    const message = await failureOf(expect(agent).toStopOnInterrupt())
    expect(message).toContain('Nothing to interrupt: the response already ended (cancelled)')
  })
})
