/**
 * How the judge and the transcriber reach OpenAI's HTTP endpoints for an agent: beside its realtime endpoint
 * (`wss://host/v1/realtime` → `https://host/v1`), with its own credentials. In the fixtures' fake, record and replay
 * modes the agent talks to a local server with no key, and so do they: the fake server answers, the recording proxy
 * adds the key upstream and records the exchange, the replay server answers from the recording. A third-party adapter
 * (no `HTTP_ACCESS`) is beside its own vendor's endpoint, so its judge goes to OpenAI unless it is on a local server.
 */
import type { VoiceAgentAdapter } from '../adapter/types.js'
import type { ResponseRecord } from '../conversation/records.js'
import { InvalidOptionError, TranscriberTimeoutError } from '../errors/index.js'
import { DEFAULT_HEARING_MODEL, httpBaseUrl, isLoopbackUrl, isOpenAIUrl, transcribeWithEndpoint, type Transcriber } from '../judge/index.js'
import { PCM_RATE } from '../protocol/events.js'
import { httpAccessOf } from '../secrets/http-access.js'
import { chainRedactors, createRedactor, redactorOf, type Redactor } from '../secrets/redact.js'

export const OPENAI_BASE_URL = 'https://api.openai.com/v1'

export interface EndpointOptions {
  /**
   * Base URL of the HTTP API (`https://api.openai.com/v1`). Default: derived from the agent's realtime URL for
   * OpenAI's adapters and for any adapter on a local server (fake, record, replay); `https://api.openai.com/v1` for
   * a third-party adapter (its own `url` is its vendor's endpoint, not OpenAI's).
   */
  baseURL?: string
  /**
   * Key for the HTTP endpoint. Default: the agent's own (its `apiKey` option or OPENAI_API_KEY); for a third-party
   * adapter, OPENAI_API_KEY, sent only to `https://api.openai.com` or to an https `baseURL` you give, never to a local
   * server. No key is ever sent over plain `http://` to a host that is not loopback.
   */
  apiKey?: string
}

export interface EndpointAccess {
  baseURL: string
  headers: Record<string, string>
  ca?: string | Buffer | Array<string | Buffer>
  redact: Redactor
}

/** Where to post and with which credentials, for `agent` and the matcher's options. */
export function endpointAccess(matcher: string, agent: VoiceAgentAdapter, options: EndpointOptions): EndpointAccess {
  if (options.baseURL !== undefined && (typeof options.baseURL !== 'string' || options.baseURL === '')) {
    throw new InvalidOptionError(`${matcher}: option "baseURL" must be a URL such as https://api.openai.com/v1, got ${JSON.stringify(options.baseURL)}`)
  }
  if (options.apiKey !== undefined && typeof options.apiKey !== 'string') throw new InvalidOptionError(`${matcher}: option "apiKey" must be a string`)
  const access = httpAccessOf(agent)
  const ownUrl = (agent as unknown as { url?: unknown }).url
  let baseURL: string
  if (options.baseURL !== undefined) baseURL = httpBaseUrl(options.baseURL)
  else if (access) baseURL = httpBaseUrl(access.url, 'url')
  // A third-party adapter's url is its vendor's endpoint (it may be no OpenAI at all): beside it only when it is one
  // of the local servers (the fake server, the recording proxy, the replay server), which answer these requests.
  else if (typeof ownUrl === 'string' && isLoopbackUrl(ownUrl)) baseURL = httpBaseUrl(ownUrl, 'url')
  else baseURL = OPENAI_BASE_URL
  const envKey = process.env.OPENAI_API_KEY || undefined
  let headers: Record<string, string> = {}
  let whose = ''
  if (options.apiKey) {
    headers = { Authorization: `Bearer ${options.apiKey}` }
    whose = 'the key of option "apiKey"'
  } else if (access) {
    headers = { ...access.headers }
    whose = "the agent's credentials"
  } else if (envKey && !isLoopbackUrl(baseURL) && (isOpenAIUrl(baseURL) || (options.baseURL !== undefined && baseURL.startsWith('https:')))) {
    // A third-party adapter says nothing about its key: the environment's, to OpenAI or to the https URL you named.
    headers = { Authorization: `Bearer ${envKey}` }
  }
  if (Object.keys(headers).length > 0 && !baseURL.startsWith('https:') && !isLoopbackUrl(baseURL)) {
    throw new InvalidOptionError(
      `${matcher}: refusing to send ${whose} in clear text to ${new URL(baseURL).origin} (http:// to a host that is not loopback); pass option "baseURL" with an https:// URL`,
    )
  }
  const redact = chainRedactors(redactorOf(agent), createRedactor([options.apiKey, envKey]))
  return { baseURL, headers, ...(access?.ca !== undefined ? { ca: access.ca } : {}), redact }
}

export interface HearingOptions extends EndpointOptions {
  /** Your own speech-to-text (PCM16 mono → text). Default: OpenAI's `/v1/audio/transcriptions`. */
  transcriber?: Transcriber
  /** The model of the default transcriber. Default `gpt-4o-mini-transcribe`. */
  transcriptionModel?: string
}

export function checkHearingOptions(matcher: string, options: HearingOptions): void {
  if (options.transcriber !== undefined && typeof options.transcriber !== 'function') {
    throw new InvalidOptionError(`${matcher}: option "transcriber" must be a function (pcm: Buffer, { sampleRate }) => string | Promise<string>`)
  }
  if (options.transcriptionModel !== undefined && (typeof options.transcriptionModel !== 'string' || options.transcriptionModel === '')) {
    throw new InvalidOptionError(`${matcher}: option "transcriptionModel" must be a model name such as ${DEFAULT_HEARING_MODEL}`)
  }
}

export type Heard = { ok: true; text: string; by: string } | { ok: false; why: string }

// Several matchers on one response hear it once (per transcriber): one request, one recorded exchange.
const heardCache = new WeakMap<ResponseRecord, Map<unknown, Promise<string>>>()

/**
 * What the response's audio says, by the transcriber. `{ ok: false }` when there is no audio to hear (a text-only
 * response, or the adapter kept none: `keepAudio`); a failing transcriber rejects (typed errors for the default).
 */
export async function hearResponse(
  matcher: string,
  agent: VoiceAgentAdapter,
  response: ResponseRecord,
  options: HearingOptions,
  timeoutMs: number,
): Promise<Heard> {
  if (response.audioBytes === 0) return { ok: false, why: 'the response has no audio (a text-only response?), so there is nothing to hear' }
  if (response.audioDroppedBytes > 0) {
    return {
      ok: false,
      why: `the adapter kept only part of the response's audio (keepAudio; ${response.audioDroppedBytes} of ${response.audioBytes} bytes dropped), so it cannot be heard whole`,
    }
  }
  const chunks = response.audio
  if (chunks.length === 0) return { ok: false, why: "the adapter kept none of the response's audio (keepAudio: 'none')" }
  const sampleRate = chunks[0]!.sampleRate || PCM_RATE
  const pcm = Buffer.concat(chunks.map((c) => c.data))
  const model = options.transcriptionModel ?? DEFAULT_HEARING_MODEL
  // Keyed by what hears it: your transcriber (the function), or the default one's endpoint and model.
  let key: unknown
  let by: string
  let hear: () => Promise<string>
  if (options.transcriber) {
    const transcriber = options.transcriber
    key = transcriber
    by = `your transcriber${transcriber.name ? ` (${transcriber.name})` : ''}`
    hear = async () => {
      const text: unknown = await settleWithin(
        Promise.resolve().then(() => transcriber(pcm, { sampleRate })),
        timeoutMs,
        () =>
          new TranscriberTimeoutError(
            `${matcher}: ${by} did not return a transcription within ${timeoutMs} ms (the matcher's timeout); make it answer sooner or pass a longer { timeout }`,
            timeoutMs,
          ),
      )
      if (typeof text !== 'string') throw new InvalidOptionError(`${matcher}: option "transcriber" must return (or resolve to) a string, got ${typeof text}`)
      return text
    }
  } else {
    const access = endpointAccess(matcher, agent, options)
    key = `${access.baseURL}\u0000${model}`
    by = model
    hear = () => transcribeWithEndpoint({ ...access, model, pcm, sampleRate, timeoutMs })
  }
  let perResponse = heardCache.get(response)
  if (!perResponse) heardCache.set(response, (perResponse = new Map()))
  const cache = perResponse
  let pending = cache.get(key)
  if (!pending) {
    pending = hear()
    cache.set(key, pending)
    // A failed hearing is not kept: the next matcher asks again.
    pending.catch(() => cache.delete(key))
  }
  return { ok: true, text: await pending, by }
}

/** `promise`, or `onTimeout()`'s error once `ms` have passed: your transcriber is bounded like the default one. */
function settleWithin<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}
