/** Where the judge and the transcriber post, and with which key: a key never goes to a host nobody chose for it. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { InvalidOptionError } from '../../src/index.js'
import { endpointAccess } from '../../src/matchers/endpoints.js'
import { HTTP_ACCESS } from '../../src/secrets/http-access.js'

const ENV_KEY = 'sk-canary-ENDPOINTS0123456789abcdefWXYZ'
const thirdParty = (url?: string) => ({ ...(url !== undefined ? { url } : {}) }) as never
const where = (agent: never, options = {}) => {
  const { baseURL, headers } = endpointAccess('toFulfill', agent, options)
  return { baseURL, headers }
}

describe('the judge and the transcriber of a third-party adapter (no HTTP_ACCESS)', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it("go to OpenAI with OPENAI_API_KEY, not to the adapter's own (vendor's) host", () => {
    vi.stubEnv('OPENAI_API_KEY', ENV_KEY)
    const bearer = { Authorization: `Bearer ${ENV_KEY}` }
    expect(where(thirdParty('ws://192.0.2.2:8080/v1/convai/conversation?agent_id=abc'))).toEqual({ baseURL: 'https://api.openai.com/v1', headers: bearer })
    expect(where(thirdParty('wss://api.elevenlabs.io/v1/convai/conversation'))).toEqual({ baseURL: 'https://api.openai.com/v1', headers: bearer })
    expect(where(thirdParty())).toEqual({ baseURL: 'https://api.openai.com/v1', headers: bearer })
    // 0.0.0.0 and [::] are not loopback: as a destination they may be another host.
    expect(where(thirdParty('ws://0.0.0.0:8080/v1/realtime')).baseURL).toBe('https://api.openai.com/v1')
    expect(where(thirdParty('ws://[::]:8080/v1/realtime')).baseURL).toBe('https://api.openai.com/v1')
  })

  it('go beside a local server (fake, record, replay) with no key', () => {
    vi.stubEnv('OPENAI_API_KEY', ENV_KEY)
    expect(where(thirdParty('ws://127.0.0.1:4567/v1/realtime'))).toEqual({ baseURL: 'http://127.0.0.1:4567/v1', headers: {} })
    expect(where(thirdParty('ws://[::1]:4567/v1/realtime'))).toEqual({ baseURL: 'http://[::1]:4567/v1', headers: {} })
    expect(where(thirdParty('ws://localhost:4567/v1/realtime'))).toEqual({ baseURL: 'http://localhost:4567/v1', headers: {} })
  })

  it('send the environment key to a baseURL you give only over https, and never to a loopback one', () => {
    vi.stubEnv('OPENAI_API_KEY', ENV_KEY)
    const agent = thirdParty('wss://vendor.example/v1/convai')
    expect(where(agent, { baseURL: 'https://gateway.example/openai/v1' })).toEqual({
      baseURL: 'https://gateway.example/openai/v1',
      headers: { Authorization: `Bearer ${ENV_KEY}` },
    })
    expect(where(agent, { baseURL: 'http://gateway.example/v1' })).toEqual({ baseURL: 'http://gateway.example/v1', headers: {} })
    expect(where(agent, { baseURL: 'http://127.0.0.1:9/v1' })).toEqual({ baseURL: 'http://127.0.0.1:9/v1', headers: {} })
  })

  it('send a key you give where you say, but never over http:// to a host that is not loopback', () => {
    vi.stubEnv('OPENAI_API_KEY', '')
    const agent = thirdParty('ws://192.0.2.2:8080/v1/convai')
    expect(where(agent, { apiKey: 'sk-mine' })).toEqual({ baseURL: 'https://api.openai.com/v1', headers: { Authorization: 'Bearer sk-mine' } })
    expect(where(agent, { apiKey: 'sk-mine', baseURL: 'http://127.0.0.1:9/v1' }).headers).toEqual({ Authorization: 'Bearer sk-mine' })
    expect(() => where(agent, { apiKey: 'sk-mine', baseURL: 'http://192.0.2.2:8080/v1' })).toThrow(InvalidOptionError)
    expect(() => where(agent, { apiKey: 'sk-mine', baseURL: 'http://192.0.2.2:8080/v1' })).toThrow(
      'toFulfill: refusing to send the key of option "apiKey" in clear text to http://192.0.2.2:8080 (http:// to a host that is not loopback); pass option "baseURL" with an https:// URL',
    )
  })

  it("an OpenAI adapter's own credentials do not go over http:// to a remote host either", () => {
    const agent = { [HTTP_ACCESS]: () => ({ url: 'ws://192.0.2.2:8080/v1/realtime', headers: { Authorization: 'Bearer sk-agent' } }) } as never
    expect(() => where(agent)).toThrow(/refusing to send the agent's credentials in clear text to http:\/\/192\.0\.2\.2:8080/)
    expect(where(agent, { baseURL: 'https://192.0.2.2/v1' }).headers).toEqual({ Authorization: 'Bearer sk-agent' })
  })
})
