import { request as httpRequest } from 'node:http'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { InvalidOptionError } from '../../src/errors/index.js'
import { createFakeRealtimeServer, type FakeRealtimeServerOptions } from '../../src/fake-server/index.js'
import { useFakeServers } from '../helpers/fake-servers.js'
import { HandshakeRefused, rawClient, socketHandles, types } from '../helpers/raw-client.js'

const { startServer } = useFakeServers()

describe('authentication (apiKey)', () => {
  const KEY = 'sk-proj-the-right-key-0123456789abcdefghijklmnop'

  it('a wrong key: 101, one error event invalid_api_key with a masked key, then close 3000', async () => {
    const server = await startServer({ apiKey: KEY })
    const wrong = 'sk-proj-WRONGwrongWRONGwrong-0123456789-abcdXYZ9'
    const client = await rawClient(server.url, { apiKey: wrong })
    const closed = await client.closed
    expect(closed).toEqual({ code: 3000, reason: 'invalid_request_error.invalid_api_key' })
    expect(client.events).toHaveLength(1)
    const [error] = client.events
    expect(error).toEqual({
      type: 'error',
      event_id: expect.stringMatching(/^event_/),
      error: {
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        message: 'Incorrect API key provided: sk-proj-...XYZ9. You can find your API key at https://platform.openai.com/account/api-keys.',
        param: null,
        event_id: null,
      },
    })
    const conn = server.connections[0]!
    await conn.waitForClose()
    expect(conn.closeCode).toBe(3000)
    // the keys are nowhere in what the fake keeps
    const kept = JSON.stringify({ headers: conn.headers, query: conn.query, sent: conn.sent, received: conn.received })
    expect(kept).not.toContain(wrong)
    expect(kept).not.toContain(KEY)
    expect(JSON.stringify(server)).not.toContain(KEY)
  })

  it('no Authorization header: code null, "Missing bearer or basic authentication in header", close 3000', async () => {
    const server = await startServer({ apiKey: KEY })
    const client = await rawClient(server.url, { apiKey: null })
    expect(await client.closed).toEqual({ code: 3000, reason: 'invalid_request_error' })
    expect(client.events[0]!.error).toMatchObject({ type: 'invalid_request_error', code: null, message: 'Missing bearer or basic authentication in header' })
  })

  it('the right key (as Bearer, or as the browser subprotocol) gets session.created', async () => {
    const server = await startServer({ apiKey: KEY })
    const bearer = await rawClient(server.url, { apiKey: KEY })
    await bearer.next('session.created')
    const browser = await rawClient(server.url, { apiKey: null, protocols: ['realtime', `openai-insecure-api-key.${KEY}`] })
    expect(browser.ws.protocol).toBe('realtime')
    await browser.next('session.created')
    expect(server.connections[1]!.headers['sec-websocket-protocol']).toBe('realtime, openai-insecure-api-key.[redacted]')
  })

  it('short wrong keys are masked too (never more than a quarter shown)', async () => {
    const server = await startServer({ apiKey: KEY })
    const client = await rawClient(server.url, { apiKey: 'sk-short-12' })
    await client.closed
    expect(client.events[0]!.error.message).toMatch(/^Incorrect API key provided: sk\.\.\.\. /)
  })
})

describe('models and headers refused in-band (close 4000)', () => {
  it('no ?model=: missing_model', async () => {
    const server = await startServer()
    const client = await rawClient(server.url, { model: null })
    expect(await client.closed).toEqual({ code: 4000, reason: 'invalid_request_error.missing_model' })
    expect(client.events[0]!.error).toMatchObject({ code: 'missing_model', message: expect.stringMatching(/^You must provide a model parameter/) })
  })

  it('a model outside model.allowed: invalid_model', async () => {
    const server = await startServer({ model: { allowed: ['gpt-realtime'] } })
    const client = await rawClient(server.url, { model: 'gpt-nope' })
    expect(await client.closed).toEqual({ code: 4000, reason: 'invalid_request_error.invalid_model' })
    expect(client.events[0]!.error.message).toMatch(/^Model "gpt-nope" is not supported in realtime mode\./)
    const ok = await rawClient(server.url, { model: 'gpt-realtime' })
    expect((await ok.next('session.created')).session.model).toBe('gpt-realtime')
  })

  it('the retired OpenAI-Beta header: beta_api_shape_disabled', async () => {
    const server = await startServer()
    const client = await rawClient(server.url, { headers: { 'OpenAI-Beta': 'realtime=v1' } })
    expect(await client.closed).toEqual({ code: 4000, reason: 'invalid_request_error.beta_api_shape_disabled' })
    expect(client.events[0]!.error.message).toBe('The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.')
  })
})

describe('rejectHandshake (HTTP refusal at the upgrade)', () => {
  it.each([401, 403, 429, 500])('answers the upgrade with HTTP %i and a JSON error body', async (status) => {
    const server = await startServer({ rejectHandshake: { status } })
    const err = await rawClient(server.url).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HandshakeRefused)
    const refused = err as HandshakeRefused
    expect(refused.status).toBe(status)
    const body = JSON.parse(refused.body) as { error: Record<string, unknown> }
    expect(body.error).toMatchObject({ message: expect.any(String), type: expect.any(String), param: null })
    expect(body.error).toHaveProperty('code')
    expect(refused.headers['content-type']).toBe('application/json')
    expect(server.connections).toEqual([])
  })

  it('uses the given body and headers', async () => {
    const body = JSON.stringify({ error: { message: 'Too many', type: 'requests', code: 'rate_limit_exceeded' } })
    const server = await startServer({ rejectHandshake: { status: 429, body, headers: { 'retry-after': '7' } } })
    const err = (await rawClient(server.url).catch((e: unknown) => e)) as HandshakeRefused
    expect(err.status).toBe(429)
    expect(err.body).toBe(body)
    expect(err.headers['retry-after']).toBe('7')
  })
})

describe('TLS', () => {
  it('serves wss:// with the shipped test certificate; clients trust it through server.ca', async () => {
    const server = await startServer({ tls: true, reply: 'secure hello' })
    expect(server.url).toBe(`wss://127.0.0.1:${server.port}/v1/realtime`)
    expect(server.baseURL).toBe(`https://127.0.0.1:${server.port}/v1`)
    expect(server.ca).toMatch(/^-----BEGIN CERTIFICATE-----/)
    const client = await rawClient(server.url, { ca: server.ca })
    await client.next('session.created')
    client.send({ type: 'response.create' })
    expect((await client.next('response.done')).response.output[0].content[0].transcript).toBe('secure hello')
    // and by name: the certificate covers localhost too
    const byName = await rawClient(server.url.replace('127.0.0.1', 'localhost'), { ca: server.ca })
    await byName.next('session.created')
  })

  it('without the CA a client refuses the self-signed certificate', async () => {
    const server = await startServer({ tls: true })
    const err = await rawClient(server.url).catch((e: unknown) => e as Error & { code?: string })
    expect(err).toBeInstanceOf(Error)
    expect(String((err as { code?: string }).code)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/)
  })

  it('plain ws:// clients cannot talk to a TLS server', async () => {
    const server = await startServer({ tls: true })
    await expect(rawClient(server.url.replace('wss:', 'ws:'))).rejects.toBeInstanceOf(Error)
  })
})

describe('server lifecycle', () => {
  it('listens on 127.0.0.1 with a free port; url has no query, baseURL ends in /v1', async () => {
    const server = await startServer()
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/v1/realtime`)
    expect(server.baseURL).toBe(`http://127.0.0.1:${server.port}/v1`)
    expect(server.ca).toBeUndefined()
  })

  it('answers plain HTTP with a 404 JSON error', async () => {
    const server = await startServer()
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.baseURL}/models`, (res) => {
        let data = ''
        res.on('data', (c: Buffer) => (data += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }))
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(404)
    expect(JSON.parse(body).error.type).toBe('invalid_request_error')
  })

  it('waitForConnection hands out connections in order of arrival, and times out clearly', async () => {
    const server = await startServer()
    const first = server.waitForConnection()
    const a = await rawClient(server.url)
    const b = await rawClient(server.url)
    expect((await first).id).toBe(1)
    expect((await server.waitForConnection()).id).toBe(2)
    await expect(server.waitForConnection(50)).rejects.toThrow(/no new connection .* within 50 ms \(2 so far\)/)
    expect(server.connections.map((c) => c.id)).toEqual([1, 2])
    await a.close()
    await b.close()
  })

  it('close() terminates open clients, clears timers, is idempotent and frees the port', async () => {
    const before = socketHandles()
    const server = await createFakeRealtimeServer({ reply: 'x'.repeat(400), paceMs: 'realtime', latencyMs: 50, transcriptionDelayMs: 10_000 })
    const client = await rawClient(server.url)
    await client.next('session.created')
    client.send({ type: 'response.create' })
    await client.next('response.output_audio.delta')
    await server.waitForConnection() // the first connection
    const waiting = server.waitForConnection(10_000)
    const closing = server.close()
    expect(server.close()).toBe(closing)
    await closing
    await expect(waiting).rejects.toThrow(/closed/)
    expect((await client.closed).code).toBe(1006)
    expect(server.connections[0]!.closed).toBe(true)
    await expect(server.waitForConnection()).rejects.toThrow(/closed/)
    // the port is free: nothing listens any more
    const refused = (await rawClient(server.url).catch((e: unknown) => e)) as { code?: string }
    expect(refused.code).toBe('ECONNREFUSED')
    await new Promise((r) => setTimeout(r, 20))
    expect(socketHandles()).toBeLessThanOrEqual(before)
  })

  it('close() on a server nobody connected to resolves', async () => {
    const server = await createFakeRealtimeServer()
    await expect(server.close()).resolves.toBeUndefined()
    await expect(server.close()).resolves.toBeUndefined()
    // it did close: nothing listens any more
    const refused = (await rawClient(server.url).catch((e: unknown) => e)) as { code?: string }
    expect(refused.code).toBe('ECONNREFUSED')
  })

  it('a client that resets mid-handshake does not crash the server', async () => {
    const server = await startServer()
    const ws = new WebSocket(`${server.url}?model=m`)
    ws.on('error', () => {})
    ws.terminate()
    const client = await rawClient(server.url)
    // the server still serves the next client
    expect(await client.next('session.created')).toMatchObject({ type: 'session.created', session: { type: 'realtime' } })
    expect(server.connections.at(-1)!.closed).toBe(false)
  })
})

describe('options validation', () => {
  it.each<[string, FakeRealtimeServerOptions, RegExp]>([
    ['negative latency', { latencyMs: -1 }, /'latencyMs'/],
    ['zero chunk', { chunkMs: 0 }, /'chunkMs'/],
    ['bad pace', { paceMs: 'fast' as unknown as number }, /'paceMs'/],
    ['zero stream speed', { streamSpeed: 0 }, /'streamSpeed'/],
    ['pace and speed both', { paceMs: 5, streamSpeed: 2 }, /'paceMs' and 'streamSpeed'/],
    ['bad perMessageDeflate', { perMessageDeflate: 'yes' as unknown as boolean }, /'perMessageDeflate'/],
    ['tiny msPerChar', { msPerChar: 1 }, /'msPerChar'/],
    ['empty reply array', { reply: [] }, /'reply'/],
    ['bad reply item', { reply: ['ok', 42 as unknown as string] }, /'reply\[1\]'/],
    ['bad status', { rejectHandshake: { status: 99 } }, /'rejectHandshake.status'/],
    ['bad close code', { faults: { closeAfterDeltas: { count: 1, code: 1005 } } }, /'faults.closeAfterDeltas.code'/],
    ['bad count', { faults: { closeAfterDeltas: { count: -2 } } }, /'faults.closeAfterDeltas.count'/],
    ['bad response status', { faults: { responseStatus: 'cancelled' as 'failed' } }, /'faults.responseStatus'/],
    ['unknown option', { latency: 5 } as unknown as FakeRealtimeServerOptions, /unknown option 'latency'/],
    ['unknown fault', { faults: { dropAll: true } } as unknown as FakeRealtimeServerOptions, /unknown option 'faults.dropAll'/],
    ['bad tls', { tls: { cert: 'x' } as unknown as boolean }, /'tls'/],
    ['empty apiKey', { apiKey: '' }, /'apiKey'/],
  ])('%s -> InvalidOptionError naming the option', async (_label, options, pattern) => {
    const err = await createFakeRealtimeServer(options).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidOptionError)
    expect((err as Error).message).toMatch(pattern)
  })

  it('never echoes an apiKey in a validation error', async () => {
    const err = (await createFakeRealtimeServer({ apiKey: 'sk-secret', latencyMs: -1 }).catch((e: unknown) => e)) as Error
    expect(err.message).not.toContain('sk-secret')
  })
})

describe('several connections', () => {
  it('are independent: own session, conversation, ids', async () => {
    const server = await startServer({ reply: (ctx) => `conn ${ctx.connectionId} turn ${ctx.turn}` })
    const a = await rawClient(server.url)
    const b = await rawClient(server.url)
    await a.next('session.created')
    await b.next('session.created')
    a.send({ type: 'response.create' })
    b.send({ type: 'response.create' })
    const [da, db] = await Promise.all([a.next('response.done'), b.next('response.done')])
    expect(da.response.output[0].content[0].transcript).toBe('conn 1 turn 0')
    expect(db.response.output[0].content[0].transcript).toBe('conn 2 turn 0')
    expect(da.response.id).toBe(db.response.id) // ids count per connection
    expect(da.response.conversation_id).not.toBe(db.response.conversation_id)
    // rate_limits.updated follows response.done on each connection: wait for both before comparing what was sent
    await Promise.all([a.next('rate_limits.updated'), b.next('rate_limits.updated')])
    expect(types(server.connections[0]!.sent)).toEqual(types(server.connections[1]!.sent))
  })
})
