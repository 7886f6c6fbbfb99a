import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { transcribeSyntheticSpeech } from '../../src/audio/synthetic-voice.js'
import { useFakeServers } from '../helpers/fake-servers.js'
import { rawClient, types, type Json } from '../helpers/raw-client.js'

const { startServer, connect } = useFakeServers()

const LONG = 'a reply long enough to need several audio deltas to be spoken'
const audioDeltas = (events: Json[]) => events.filter((e) => e.type === 'response.output_audio.delta')

describe('faults', () => {
  it('closeAfterDeltas: drops the socket without a close frame (1006) after N deltas', async () => {
    const { client, server } = await connect({ reply: LONG, faults: { closeAfterDeltas: { count: 2 } } })
    client.send({ type: 'response.create' })
    const closed = await client.closed
    expect(closed.code).toBe(1006)
    expect(audioDeltas(client.events)).toHaveLength(2)
    expect(types(client.events)).not.toContain('response.done')
    const conn = server.connections[0]!
    await conn.waitForClose()
    expect(conn.closed).toBe(true)
    expect(conn.closeCode).toBe(1006)
  })

  it('closeAfterDeltas with a code sends a close frame with that code and reason', async () => {
    const { client } = await connect({ reply: LONG, faults: { closeAfterDeltas: { count: 3, code: 1011, reason: 'boom' } } })
    client.send({ type: 'response.create' })
    expect(await client.closed).toEqual({ code: 1011, reason: 'boom' })
    expect(audioDeltas(client.events)).toHaveLength(3)
  })

  it('closeAfterDeltas count 0 closes before the first delta', async () => {
    const { client } = await connect({ reply: LONG, faults: { closeAfterDeltas: { count: 0, code: 4001 } } })
    client.send({ type: 'response.create' })
    expect((await client.closed).code).toBe(4001)
    expect(audioDeltas(client.events)).toHaveLength(0)
    expect(types(client.events)).toContain('response.created')
  })

  it('errorOnResponseCreate: an error event instead of a response, every time, echoing event_id', async () => {
    const { client } = await connect({ faults: { errorOnResponseCreate: { type: 'server_error', code: 'overloaded', message: 'try later' } } })
    client.send({ type: 'response.create', event_id: 'rc_1' })
    const error = await client.next('error')
    expect(error.error).toEqual({ type: 'server_error', code: 'overloaded', message: 'try later', param: null, event_id: 'rc_1' })
    client.send({ type: 'response.create' })
    expect((await client.next('error')).error.event_id).toBeNull()
    expect(types(client.events)).not.toContain('response.created')
    expect(client.ws.readyState).toBe(client.ws.OPEN)
  })

  it("responseStatus 'failed': response.done failed with server_error status_details and no output", async () => {
    const { client } = await connect({ reply: LONG, faults: { responseStatus: 'failed' } })
    client.send({ type: 'response.create' })
    const events = await client.until('response.done')
    expect(types(events)).toEqual(['response.created', 'response.done'])
    expect(events[1]!.response).toMatchObject({
      status: 'failed',
      output: [],
      status_details: { type: 'failed', error: { type: 'server_error', message: expect.stringContaining('The server had an error') } },
    })
    await client.next('rate_limits.updated')
  })

  it("responseStatus 'incomplete': half the audio, item incomplete, status_details max_output_tokens", async () => {
    const { client } = await connect({ reply: LONG, faults: { responseStatus: 'incomplete' } })
    client.send({ type: 'response.create' })
    const events = await client.until('response.done')
    const done = events[events.length - 1]!
    expect(done.response).toMatchObject({ status: 'incomplete', status_details: { type: 'incomplete', reason: 'max_output_tokens' } })
    expect(done.response.output[0].status).toBe('incomplete')
    const heard = transcribeSyntheticSpeech(Buffer.concat(audioDeltas(events).map((e) => Buffer.from(e.delta, 'base64'))))!
    expect(heard.length).toBeGreaterThan(5)
    expect(heard.length).toBeLessThan(LONG.length)
    expect(LONG.startsWith(heard)).toBe(true)
    expect(types(events)).toContain('response.output_audio.done')
  })

  it('FakeReply.status overrides the fault for one turn', async () => {
    const { client } = await connect({ reply: (ctx) => (ctx.turn === 0 ? { text: 'fine', status: 'completed' } : 'x'), faults: { responseStatus: 'failed' } })
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.status).toBe('completed')
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.status).toBe('failed')
  })

  it('malformedFrames: a non-JSON text frame and a binary frame before the first delta, then the response goes on', async () => {
    const { client } = await connect({ reply: 'still fine', faults: { malformedFrames: true } })
    client.send({ type: 'response.create' })
    await client.next('response.done')
    const firstDelta = client.frames.findIndex(
      (f) => f.kind === 'text' && (f.data as string).includes('"response.output_audio.delta"') && !(f.data as string).includes('not JSON'),
    )
    const bad = client.frames.slice(0, firstDelta)
    expect(bad.some((f) => f.kind === 'binary')).toBe(true)
    expect(
      bad.some(
        (f) =>
          f.kind === 'text' &&
          (() => {
            try {
              JSON.parse(f.data as string)
              return false
            } catch {
              return true
            }
          })(),
      ),
    ).toBe(true)
    expect(transcribeSyntheticSpeech(Buffer.concat(audioDeltas(client.events).map((e) => Buffer.from(e.delta, 'base64'))))).toBe('still fine')
  })

  it('neverAnswer: the socket opens, then nothing at all (not even session.created)', async () => {
    const server = await startServer({ faults: { neverAnswer: true } })
    const client = await rawClient(server.url)
    client.send({ type: 'response.create' })
    client.send({ type: 'bogus' })
    await new Promise((r) => setTimeout(r, 150))
    expect(client.frames).toEqual([])
    const conn = await server.waitForConnection()
    expect(types(conn.received)).toEqual(['response.create', 'bogus'])
    expect(conn.sent).toEqual([])
  })

  it('sessionUpdateDelayMs delays session.updated', async () => {
    const { client } = await connect({ faults: { sessionUpdateDelayMs: 150 } })
    const start = performance.now()
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: 'slow' } })
    const updated = await client.next('session.updated')
    expect(performance.now() - start).toBeGreaterThanOrEqual(140)
    expect(updated.session.instructions).toBe('slow')
  })

  it('connection.send / sendRaw / close inject anything from the test', async () => {
    const { client, server } = await connect()
    const conn = await server.waitForConnection()
    conn.send({ type: 'response.brand_new_event', event_id: 'event_x', surprise: true })
    conn.sendRaw('plain text')
    conn.sendRaw(Buffer.from([0, 1]))
    await client.next('response.brand_new_event')
    await new Promise((r) => setTimeout(r, 20))
    expect(client.frames.map((f) => f.kind)).toEqual(['text', 'text', 'text', 'binary'])
    expect(conn.sent.map((e) => e.type)).toEqual(['session.created', 'response.brand_new_event'])
    conn.close(4321, 'bye')
    expect(await client.closed).toEqual({ code: 4321, reason: 'bye' })
    expect(await conn.waitForClose()).toEqual({ code: 4321, reason: 'bye' })
  })
})
