import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { HttpEndpointError, HttpEndpointTimeoutError, InvalidOptionError, MalformedModelOutputError, TranscriberTimeoutError } from '../../src/index.js'
import { failureOf, stableFailureOf, unfinishedResponse, voiceAgent } from '../helpers/voice.js'

const REPLY = 'Your table for two is booked for seven pm.'
const fast = { paceMs: 0 as const, msPerChar: 10 }
const misspoken = (text: string) => text.replace('seven', 'eleven')

describe('toSoundLikeItsTranscript', () => {
  it('passes when the audio says what the transcript says (the fake server hears its own voice exactly)', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY })
    await agent.sendText('book')
    await expect(agent).toSoundLikeItsTranscript()
    await expect(agent).not.toSoundLikeItsTranscript({ transcriber: () => 'something else entirely' })
  })

  it('fails when the audio differs from the transcript, showing both and their alignment', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY, spokenText: misspoken })
    await agent.sendText('book')
    expect(await failureOf(expect(agent).toSoundLikeItsTranscript({ maxWer: 0 }))).toMatchSnapshot()
    expect(agent.lastAgentTranscript).toBe(REPLY)
  })

  it('.not fails when they agree', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY })
    await agent.sendText('book')
    expect(await failureOf(expect(agent).not.toSoundLikeItsTranscript())).toMatchSnapshot()
  })

  it('takes your transcriber (PCM in, text out), and hears each response once per transcriber', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY })
    await agent.sendText('book')
    const calls: Array<{ bytes: number; sampleRate: number }> = []
    const transcriber = (pcm: Buffer, info: { sampleRate: number }) => (calls.push({ bytes: pcm.length, sampleRate: info.sampleRate }), REPLY.toUpperCase())
    await expect(agent).toSoundLikeItsTranscript({ transcriber })
    await expect(agent).toSay('booked for 7 pm', { from: 'audio', transcriber })
    // One call for both matchers, with the whole response's audio.
    expect(calls).toEqual([{ bytes: agent.responses.at(-1)!.audioBytes, sampleRate: 24000 }])
    expect(calls[0]!.bytes).toBeGreaterThan(0)
  })

  it('cannot compare a text-only response, and says so with or without .not', async () => {
    const { agent: textOnly } = await voiceAgent({ ...fast, reply: { text: REPLY, audio: Buffer.alloc(0) } })
    await textOnly.sendText('book')
    expect(await failureOf(expect(textOnly).toSoundLikeItsTranscript())).toContain('Cannot compare: the response has no audio')
    expect(await failureOf(expect(textOnly).not.toSoundLikeItsTranscript())).toContain('Cannot compare: the response has no audio')
  })

  it('with nothing to compare (nothing asked, a response that has not ended), fails with and without .not: messages', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY })
    expect(await failureOf(expect(agent).toSoundLikeItsTranscript())).toMatchSnapshot()
    expect(await failureOf(expect(agent).not.toSoundLikeItsTranscript())).toMatchSnapshot()
    const slow = await unfinishedResponse({ ...fast, reply: REPLY })
    const keep = ['within 50 ms']
    expect(await stableFailureOf(expect(slow).toSoundLikeItsTranscript({ timeout: 50 }), keep)).toMatchSnapshot()
    expect(await stableFailureOf(expect(slow).not.toSoundLikeItsTranscript({ timeout: 50 }), keep)).toMatchSnapshot()
  })

  it('transcription failures are typed errors: HTTP status, malformed body, timeout', async () => {
    for (const [faults, type, pattern] of [
      [
        { status: 429, endpoint: 'audio/transcriptions' },
        HttpEndpointError,
        /the transcriber \(gpt-4o-mini-transcribe\) \(POST http:\/\/127\.0\.0\.1:\d+\/v1\/audio\/transcriptions\) failed with HTTP 429/,
      ],
      [{ malformed: true }, MalformedModelOutputError, /answered without a "text" string: "Internal transcription glitch"/],
      [{ delayMs: 5000 }, HttpEndpointTimeoutError, /did not answer within 100 ms/],
    ] as const) {
      const { agent } = await voiceAgent({ ...fast, reply: REPLY, faults: { http: faults } })
      await agent.sendText('book')
      const err = await expect(agent)
        .toSoundLikeItsTranscript({ timeout: 100 })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(type)
      expect((err as Error).message).toMatch(pattern)
    }
  })

  it('your transcriber is bounded by { timeout } too: a TranscriberTimeoutError, with or without .not', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY })
    await agent.sendText('book')
    const never = function slowStt() {
      return new Promise<string>(() => {})
    }
    const err = (await expect(agent)
      .toSay('hello', { from: 'audio', timeout: 100, transcriber: never })
      .catch((e: unknown) => e)) as TranscriberTimeoutError
    expect(err).toBeInstanceOf(TranscriberTimeoutError)
    expect(err.timeoutMs).toBe(100)
    expect(err.message).toBe(
      "toSay: your transcriber (slowStt) did not return a transcription within 100 ms (the matcher's timeout); make it answer sooner or pass a longer { timeout }",
    )
    await expect(expect(agent).not.toSoundLikeItsTranscript({ timeout: 50, transcriber: never })).rejects.toBeInstanceOf(TranscriberTimeoutError)
  })

  it('rejects bad options with typed errors', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY })
    await agent.sendText('book')
    // @ts-expect-error transcriber must be a function
    await expect(expect(agent).toSoundLikeItsTranscript({ transcriber: 'whisper' })).rejects.toThrow(InvalidOptionError)
    await expect(expect(agent).toSoundLikeItsTranscript({ maxWer: -1 })).rejects.toThrow(/option "maxWer"/)
    // @ts-expect-error the transcriber must return a string
    await expect(expect(agent).toSoundLikeItsTranscript({ transcriber: () => 42 })).rejects.toThrow(/must return \(or resolve to\) a string, got number/)
  })
})

describe("toSay(expected, { from: 'audio' })", () => {
  it('matches what the audio says, not what the transcript claims', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY, spokenText: misspoken })
    await agent.sendText('book')
    await expect(agent).toSay('booked for seven pm')
    await expect(agent).toSay('booked for eleven pm', { from: 'audio' })
    await expect(agent).not.toSay('booked for seven pm', { from: 'audio', maxWer: 0 })
  })

  it('fails showing what was heard and what the transcript said', async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY, spokenText: misspoken })
    await agent.sendText('book')
    const message = await failureOf(expect(agent).toSay('booked for seven pm', { from: 'audio', maxWer: 0 }))
    expect(message.split('Timings:')[0]).toMatchSnapshot()
  })

  it("rejects a bad 'from'", async () => {
    const { agent } = await voiceAgent({ ...fast, reply: REPLY })
    await agent.sendText('book')
    // @ts-expect-error from is 'transcript' or 'audio'
    await expect(expect(agent).toSay('x', { from: 'video' })).rejects.toThrow(/option "from" must be 'transcript' or 'audio'/)
  })
})
