/** The judge's and the transcriber's pure parts, and the fake server's HTTP side (options, TLS, routes). */
import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import '../../src/vitest.js'
import { createFakeRealtimeServer, InvalidOptionError, MalformedModelOutputError, synthesizeSpeech } from '../../src/index.js'
import { httpBaseUrl, isLoopbackUrl, multipartBody, outputText, parseVerdict } from '../../src/judge/index.js'
import { parseMultipart } from '../../src/loopback/http-body.js'
import { fakeServer, testAdapter } from '../helpers/voice.js'

describe('the base URL beside the realtime endpoint', () => {
  it.each([
    ['wss://api.openai.com/v1/realtime?model=gpt-realtime-mini', 'https://api.openai.com/v1'],
    ['ws://127.0.0.1:4567/v1/realtime', 'http://127.0.0.1:4567/v1'],
    ['https://example.test/openai/v1/', 'https://example.test/openai/v1'],
    ['wss://my-azure.openai.azure.com/openai/realtime?deployment=x', 'https://my-azure.openai.azure.com/openai'],
  ])('%s → %s', (url, base) => {
    expect(httpBaseUrl(url)).toBe(base)
  })

  it('refuses what is not an http(s) or ws(s) URL, naming the option', () => {
    expect(() => httpBaseUrl('not a url')).toThrow(/option "baseURL" must be a URL/)
    expect(() => httpBaseUrl('ftp://x/v1', 'url')).toThrow(/option "url" must be an http\(s\):\/\/ or ws\(s\):\/\/ URL/)
  })

  it('knows loopback hosts', () => {
    expect([isLoopbackUrl('http://127.0.0.1:1/v1'), isLoopbackUrl('http://localhost/v1'), isLoopbackUrl('https://api.openai.com/v1')]).toEqual([
      true,
      true,
      false,
    ])
    // 0.0.0.0 and [::] are "any address" to bind, not loopback as a destination.
    expect(['http://0.0.0.0:1/v1', 'http://[::]:1/v1', 'http://[::1]:1/v1', 'http://a.localhost/v1'].map(isLoopbackUrl)).toEqual([false, false, true, true])
  })
})

describe('reading the verdict', () => {
  const verdict = { criteria: [{ criterion: 'a', pass: true, evidence: ['q'] }], pass: true, reason: 'r' }

  it('parses the schema, and names what is wrong with anything else', () => {
    expect(parseVerdict(JSON.stringify(verdict))).toEqual({ pass: true, reason: 'r', criteria: [{ criterion: 'a', pass: true, evidence: ['q'] }] })
    const bad = (value: unknown) => {
      try {
        parseVerdict(typeof value === 'string' ? value : JSON.stringify(value))
      } catch (err) {
        expect(err).toBeInstanceOf(MalformedModelOutputError)
        return (err as Error).message.replace(/^the judge answered something that is not a verdict \((.*?)\): .*$/s, '$1')
      }
      throw new Error('parsed')
    }
    expect([
      bad('yes'),
      bad([1]),
      bad({ ...verdict, pass: 'yes' }),
      bad({ ...verdict, reason: undefined }),
      bad({ ...verdict, criteria: {} }),
      bad({ ...verdict, criteria: [{ criterion: 'a', pass: true, evidence: [1] }] }),
    ]).toEqual([
      'not JSON',
      'not a JSON object',
      '"pass" is not a boolean',
      '"reason" is not a string',
      '"criteria" is not an array',
      'criteria[0].evidence is not an array of strings',
    ])
  })

  it('reads the output text of a Responses API answer; a refusal, an incomplete or failed response is malformed', () => {
    const answer = (extra: object) => JSON.stringify({ status: 'completed', output: [], ...extra })
    const message = (text: string) => ({ type: 'message', content: [{ type: 'output_text', text }] })
    expect(outputText(answer({ output: [{ type: 'reasoning' }, message('{"a":'), message('1}')] }), 'm')).toBe('{"a":1}')
    expect(() => outputText(answer({ output: [{ type: 'message', content: [{ type: 'refusal', refusal: 'I cannot' }] }] }), 'm')).toThrow(
      'the judge (m) refused to judge: "I cannot"',
    )
    expect(() => outputText(answer({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }), 'm')).toThrow(
      /incomplete response \(max_output_tokens\), so the verdict was cut short/,
    )
    expect(() => outputText(answer({ status: 'failed', error: { message: 'boom' } }), 'm')).toThrow(/a failed response \(boom\)/)
    expect(() => outputText(answer({}), 'm')).toThrow(/no output text/)
    expect(() => outputText('<html>', 'm')).toThrow(/a body that is not JSON/)
  })
})

describe('multipart upload', () => {
  it('round-trips fields and a file', () => {
    const data = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255])
    const { body, contentType } = multipartBody({ model: 'gpt-4o-mini-transcribe' }, { field: 'file', name: 'a.wav', type: 'audio/wav', data })
    const parts = parseMultipart(body, contentType)!
    expect(parts.map((p) => [p.name, p.filename ?? null, p.contentType ?? null])).toEqual([
      ['model', null, null],
      ['file', 'a.wav', 'audio/wav'],
    ])
    expect(parts[0]!.data.toString()).toBe('gpt-4o-mini-transcribe')
    expect(parts[1]!.data.equals(data)).toBe(true)
    expect(parseMultipart(body, 'application/json')).toBeNull()
    expect(parseMultipart(body.subarray(0, body.length - 10), contentType)).toBeNull()
  })
})

describe("the fake server's HTTP side", () => {
  it('rejects bad judge, spokenText and faults.http options, naming them', async () => {
    const bad = (options: object) => createFakeRealtimeServer(options as never)
    await expect(bad({ judge: true })).rejects.toThrow(/option 'judge' must be a function/)
    await expect(bad({ spokenText: 'eleven' })).rejects.toThrow(/option 'spokenText' must be a function/)
    await expect(bad({ faults: { http: { status: 200 } } })).rejects.toThrow(/option 'faults.http.status' must be an HTTP error status from 400 to 599/)
    await expect(bad({ faults: { http: { delayMs: -1 } } })).rejects.toThrow(/faults.http.delayMs/)
    await expect(bad({ faults: { http: { endpoint: 'chat' } } })).rejects.toThrow(/faults.http.endpoint/)
    await expect(bad({ faults: { http: { slow: true } } })).rejects.toThrow(InvalidOptionError)
  })

  it('answers the judge and the transcriber over TLS too, with the agent trusting its CA', async () => {
    const server = await fakeServer({ tls: true, paceMs: 0, reply: 'Booked for two.', judge: () => true })
    const tlsAgent = testAdapter(server.url, { wsOptions: { ca: server.ca } })
    await tlsAgent.connect()
    await tlsAgent.sendText('book')
    expect(server.url).toMatch(/^wss:/)
    await expect(tlsAgent).toFulfill('books for two')
    await expect(tlsAgent).toSoundLikeItsTranscript()
  })

  it('hears its own synthetic voice exactly, and anything else as nothing; other paths get a 404 naming what is served', async () => {
    const server = await fakeServer()
    const post = (path: string, body: Buffer, contentType: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${server.baseURL}${path}`, { method: 'POST', headers: { 'content-type': contentType } }, (res) => {
          let text = ''
          res.on('data', (c: Buffer) => (text += c))
          res.on('end', () => resolve({ status: res.statusCode!, body: text }))
        })
        req.on('error', reject)
        req.end(body)
      })
    const { writeWav } = await import('../../src/audio/wav.js')
    const upload = (pcm: Buffer) =>
      multipartBody({ model: 'm' }, { field: 'file', name: 'a.wav', type: 'audio/wav', data: writeWav(pcm, { sampleRate: 24000 }) })
    const voice = upload(synthesizeSpeech('a table for two', { msPerChar: 10 }))
    expect(await post('/audio/transcriptions', voice.body, voice.contentType)).toEqual({ status: 200, body: '{"text":"a table for two"}' })
    const noise = upload(Buffer.alloc(4800, 7))
    expect(await post('/audio/transcriptions', noise.body, noise.contentType)).toEqual({ status: 200, body: '{"text":""}' })
    expect((await post('/audio/transcriptions', Buffer.from('x'), 'text/plain')).status).toBe(400)
    const other = await post('/chat/completions', Buffer.from('{}'), 'application/json')
    expect(other.status).toBe(404)
    expect(other.body).toContain('POST /v1/responses and POST /v1/audio/transcriptions')
  })
})
