import { performance } from 'node:perf_hooks'
import { OpenAIRealtimeAdapter, type OpenAIRealtimeAdapterOptions } from '../adapter/openai-realtime-adapter.js'
import { AgentRole, type AudioChunk, type VoiceAgentAdapter } from '../adapter/types.js'
import { isAudioChunk } from '../audio/pcm16.js'
import { resampleAudio } from '../audio/resample.js'
import { streamAudio } from '../audio/chunk.js'
import { normalizeSyntheticSpeechText, synthesizeSpeech } from '../audio/synthetic-voice.js'
import { decodeWav, readWav } from '../audio/wav.js'
import { applyConditions, checkConditions, type CallerConditions } from '../audio/conditions.js'
import { dtmfTones, type DtmfToneOptions } from '../audio/dtmf.js'
import { silence } from '../audio/pcm16.js'
import { ExpectVoiceError, InvalidOptionError, MissingApiKeyError } from '../errors/index.js'
import { wordErrorRate } from '../text/index.js'
import { isLoopbackUrl } from '../loopback/url.js'

/** The Realtime API's audio rate: what `sendAudio` takes. */
const RATE = 24_000

/**
 * Who speaks the user's lines:
 * - `'fake'`: the synthetic voice (`synthesizeSpeech`), made locally; the fake server hears it exactly. No second session.
 * - `'live'`: a second realtime session (an `OpenAIRealtimeAdapter` in the USER role, default options) reads each line
 *   aloud; its audio is streamed into the agent.
 * - adapter options: `'live'` with these options (`apiKey`, `url`, `model`, `voice`, `instructions`, ...).
 * - an adapter: `'live'` through a session you created (and disconnect yourself).
 * - `'auto'` (default): `'fake'` when the agent is connected to a loopback address (127.0.0.0/8, ::1, localhost: the
 *   fake server, or any local test double), else `'live'`.
 */
export type VoiceUserVoice = 'auto' | 'fake' | 'live' | Omit<OpenAIRealtimeAdapterOptions, 'role'> | VoiceAgentAdapter

export interface VoiceUserOptions {
  /** The agent under test: where the user's audio goes. */
  agent: VoiceAgentAdapter
  /** Default `'auto'`; see `VoiceUserVoice`. */
  voice?: VoiceUserVoice
  /** Send audio at the pace it would be spoken (like a microphone). Default false: as fast as the agent takes it. */
  realtime?: boolean
  /** Size of the audio chunks sent to the agent, ms. Default 20. */
  chunkMs?: number
  /** Fake voice: ms per character (default 40). */
  msPerChar?: number
  /** Live voice: how long to wait for the simulator to finish a line, ms. Default 30 000. */
  timeout?: number
  /**
   * Live voice: the largest word error rate between the line and what the simulator said (its own transcript) before
   * `say()` throws rather than send the agent something else. Default 0.5; `false` disables the check.
   */
  maxWer?: number | false
  /**
   * Caller conditions for every line of this user (phone line, noise, packet loss, jitter, gain): see
   * `CallerConditions`. A line's own `conditions` replace these. Default: none (a studio microphone).
   */
  conditions?: CallerConditions
}

/** Caller conditions as `say`, `sayAudio` and `pressKeys` take them: a recorded noise may also be a WAV file path. */
export type VoiceUserConditions = Omit<CallerConditions, 'noise'> & {
  noise?: Omit<NonNullable<CallerConditions['noise']>, 'noise'> & { noise?: NonNullable<NonNullable<CallerConditions['noise']>['noise']> | string }
}

export interface SayOptions {
  /** Overrides the user's `realtime` for this line. */
  realtime?: boolean
  /** Overrides the user's `chunkMs` for this line. */
  chunkMs?: number
  /** Stops sending; the promise rejects with `signal.reason`. */
  signal?: AbortSignal
  /**
   * This line's caller conditions (replacing the user's `conditions`); `null`: none for this line. Each line's random
   * conditions are seeded with the conditions' seed plus the line's number (0, 1, 2, ...), so lines differ from each
   * other and every run repeats exactly.
   */
  conditions?: VoiceUserConditions | null
}

export interface PressKeysOptions extends Omit<SayOptions, 'chunkMs'>, DtmfToneOptions {}

export interface SayResult {
  /** How the audio was made: the synthetic voice, the live simulator, a WAV file, given audio, or text (no audio). */
  source: 'synthetic' | 'simulator' | 'file' | 'audio' | 'text' | 'dtmf' | 'silence'
  /** The line asked for (`say`, `sayText`), the keys (`pressKeys`), else null. */
  text: string | null
  /** What was said: the synthetic voice's text, or the live simulator's own transcript of what it spoke. */
  said: string | null
  /** Audio sent to the agent, ms (0 for text). */
  durationMs: number
  /** `sendAudio` calls made. */
  chunks: number
}

/** A simulated caller: speaks lines into the agent under test. */
export interface VoiceUser {
  /** `'fake'` (synthetic voice) or `'live'` (a second realtime session reads the lines). */
  readonly mode: 'fake' | 'live'
  /** Live: the USER-role session, once connected (it connects at the first `say`). Null for the fake voice. */
  readonly simulator: VoiceAgentAdapter | null
  /**
   * Speaks `text` into the agent: synthetic speech (fake) or the live simulator's voice, streamed with `sendAudio`.
   * Like `agent.sendAudio`, it does not end the user turn: the next `recvAudio` (or matcher) does.
   */
  say(text: string, options?: SayOptions): Promise<SayResult>
  /** Plays audio into the agent: a WAV file path, WAV bytes, raw PCM16 24 kHz bytes, or an `AudioChunk` (resampled). */
  sayAudio(audio: string | Uint8Array | AudioChunk, options?: SayOptions): Promise<SayResult>
  /** Types `text` to the agent (`agent.sendText`): a text user turn, answered at once. */
  sayText(text: string): Promise<SayResult>
  /**
   * Presses telephone keys: sends their DTMF tones (`dtmfTones`: 100 ms of tone and 100 ms of silence per key by
   * default) through the caller's conditions. `'1 2 3 #'`: whitespace separates keys, `,` is a 500 ms pause.
   * Like `say`, it does not end the user turn.
   */
  pressKeys(keys: string, options?: PressKeysOptions): Promise<SayResult>
  /**
   * Sends `ms` of silence: a pause within the caller's turn (or, with server turn detection, long enough a pause
   * ends the turn). With conditions that have a noise `levelDb`, the pause carries that noise (an SNR has no signal
   * to refer to in silence, so noise given as `snrDb` is left out of a pause).
   */
  pause(ms: number, options?: Pick<SayOptions, 'realtime' | 'chunkMs' | 'signal' | 'conditions'>): Promise<SayResult>
  /** Live: connect the simulator now rather than at the first `say`. No-op for the fake voice. */
  connect(): Promise<void>
  /** Disconnects a simulator this user created. Idempotent, never throws. */
  disconnect(): Promise<void>
}

/** The simulator's session instructions. */
export const VOICE_USER_INSTRUCTIONS =
  'You are the voice of a caller in an automated test of a voice assistant. Every message gives you one line to say. ' +
  'Say exactly that line, word for word, in a natural speaking voice, and nothing else: no greeting, no answer, no comment, ' +
  'no question of your own.'

/** What the simulator is sent for each line: this prefix, then the line. */
export const VOICE_USER_PROMPT_PREFIX = 'Repeat exactly: '

export { isLoopbackUrl }

function isAdapter(value: unknown): value is VoiceAgentAdapter {
  if (value === null || typeof value !== 'object') return false
  const a = value as Partial<VoiceAgentAdapter>
  return typeof a.recvAudio === 'function' && typeof a.sendAudio === 'function' && typeof a.connect === 'function'
}

function checkMs(name: string, value: unknown, allowZero = false): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidOptionError(`createVoiceUser: option "${name}" must be a positive number of ms, got ${String(value)}`)
  }
}

/** Which voice `'auto'` picks for `agent`. */
export function resolveVoiceMode(agent: VoiceAgentAdapter, voice: VoiceUserVoice | undefined): 'fake' | 'live' {
  if (voice === undefined || voice === 'auto') {
    const url = (agent as { url?: unknown }).url
    return typeof url === 'string' && isLoopbackUrl(url) ? 'fake' : 'live'
  }
  if (voice === 'fake') return 'fake'
  if (voice === 'live' || (typeof voice === 'object' && voice !== null)) return 'live'
  throw new InvalidOptionError(`createVoiceUser: option "voice" must be 'auto', 'fake', 'live', adapter options or an adapter, got ${JSON.stringify(voice)}`)
}

/**
 * A simulated caller for `agent`. See `VoiceUserVoice` for how the voice is chosen. Nothing connects until the first
 * live `say`.
 */
export function createVoiceUser(options: VoiceUserOptions): VoiceUser {
  if (!options || !isAdapter(options.agent)) {
    throw new InvalidOptionError('createVoiceUser: option "agent" must be a voice agent adapter (e.g. the `agent` fixture)')
  }
  const { agent } = options
  const mode = resolveVoiceMode(agent, options.voice)
  checkMs('chunkMs', options.chunkMs)
  checkMs('msPerChar', options.msPerChar)
  checkMs('timeout', options.timeout)
  if (options.maxWer !== undefined && options.maxWer !== false && (typeof options.maxWer !== 'number' || !(options.maxWer >= 0))) {
    throw new InvalidOptionError(`createVoiceUser: option "maxWer" must be a number ≥ 0 or false, got ${String(options.maxWer)}`)
  }
  if (options.realtime !== undefined && typeof options.realtime !== 'boolean') {
    throw new InvalidOptionError(`createVoiceUser: option "realtime" must be a boolean, got ${String(options.realtime)}`)
  }
  const given = isAdapter(options.voice) ? options.voice : null
  const simulatorOptions = typeof options.voice === 'object' && options.voice !== null && !given ? options.voice : {}
  const timeout = options.timeout ?? 30_000
  const maxWer = options.maxWer ?? 0.5
  if (options.conditions !== undefined) checkUserConditions(options.conditions)
  let line = 0

  let simulator: VoiceAgentAdapter | null = given
  let connecting: Promise<VoiceAgentAdapter> | null = null
  let closed = false
  let queue: Promise<unknown> = Promise.resolve()

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(() => {
      if (closed) throw new ExpectVoiceError('the voice user was disconnected (its test has ended)')
      return fn()
    })
    queue = run.catch(() => {})
    return run
  }

  /** The line's conditions, resolved (noise WAV read, seed offset by the line number); null: none. */
  const lineConditions = async (o: { conditions?: VoiceUserConditions | null } | undefined, index: number): Promise<CallerConditions | null> => {
    const chosen = o?.conditions === undefined ? options.conditions : o.conditions
    if (!chosen) return null
    const noise = chosen.noise
    const recorded = typeof noise?.noise === 'string' ? { ...noise, noise: await readWav(noise.noise) } : noise
    return { ...chosen, noise: recorded as CallerConditions['noise'], seed: (chosen.seed ?? 1) + index } as CallerConditions
  }
  const send = async (audio: AudioChunk, conditions: CallerConditions | null, stream: { realtime: boolean; chunkMs: number; signal?: AbortSignal }) => {
    const heard = conditions ? applyConditions(audio, conditions) : audio
    return streamAudio(agent, heard, stream)
  }

  const streamOptions = (o: SayOptions | undefined) => {
    if (o?.conditions !== undefined && o.conditions !== null) checkUserConditions(o.conditions)
    if (o?.chunkMs !== undefined) checkMs('chunkMs', o.chunkMs)
    return { realtime: o?.realtime ?? options.realtime ?? false, chunkMs: o?.chunkMs ?? options.chunkMs ?? 20, signal: o?.signal }
  }

  const connectSimulator = (): Promise<VoiceAgentAdapter> => {
    if (connecting) return connecting
    connecting = (async () => {
      if (given) {
        const connected = (given as { connected?: unknown }).connected
        if (connected !== true) await given.connect()
        return given
      }
      let adapter: OpenAIRealtimeAdapter
      try {
        adapter = new OpenAIRealtimeAdapter({ instructions: VOICE_USER_INSTRUCTIONS, ...simulatorOptions, role: AgentRole.USER })
      } catch (err) {
        if (err instanceof MissingApiKeyError) {
          throw new MissingApiKeyError(
            'The voice user simulator needs the live Realtime API (voice: live, or auto with an agent that is not on a loopback address), ' +
              "and there is no API key: set OPENAI_API_KEY, pass voice: { apiKey }, or use the synthetic voice with voice: 'fake'.",
          )
        }
        throw err
      }
      try {
        await adapter.connect()
      } catch (err) {
        await adapter.disconnect()
        throw err
      }
      simulator = adapter
      return adapter
    })()
    connecting.catch(() => {
      connecting = null // let the next say() try again
    })
    return connecting
  }

  const user: VoiceUser = {
    mode,
    get simulator() {
      return mode === 'live' ? simulator : null
    },

    say(text, sayOptions) {
      if (typeof text !== 'string' || text.trim() === '') {
        return Promise.reject(new InvalidOptionError('user.say(text): text must be a non-empty string'))
      }
      let stream: ReturnType<typeof streamOptions>
      try {
        stream = streamOptions(sayOptions)
      } catch (err) {
        return Promise.reject(err)
      }
      const index = line++
      return serial(async () => {
        const conditions = await lineConditions(sayOptions, index)
        if (mode === 'fake') {
          const pcm = synthesizeSpeech(text, options.msPerChar !== undefined ? { msPerChar: options.msPerChar } : undefined)
          const sent = await send({ data: pcm, sampleRate: RATE }, conditions, stream)
          return { source: 'synthetic', text, said: normalizeSyntheticSpeechText(text), durationMs: sent.durationMs, chunks: sent.chunks }
        }
        return speakLive(await connectSimulator(), text, stream, conditions)
      })
    },

    sayAudio(audio, sayOptions) {
      let stream: ReturnType<typeof streamOptions>
      try {
        stream = streamOptions(sayOptions)
      } catch (err) {
        return Promise.reject(err)
      }
      const index = line++
      return serial(async () => {
        const { chunk, source } = await toChunk(audio)
        if (chunk.data.length === 0) return { source, text: null, said: null, durationMs: 0, chunks: 0 }
        const sent = await send(chunk, await lineConditions(sayOptions, index), stream)
        return { source, text: null, said: null, durationMs: sent.durationMs, chunks: sent.chunks }
      })
    },

    sayText(text) {
      if (typeof text !== 'string' || text.trim() === '') {
        return Promise.reject(new InvalidOptionError('user.sayText(text): text must be a non-empty string'))
      }
      return serial(async () => {
        if (typeof agent.sendText !== 'function') {
          throw new InvalidOptionError('user.sayText(): this agent adapter has no sendText(); use user.say() to speak instead')
        }
        await agent.sendText(text)
        return { source: 'text', text, said: text, durationMs: 0, chunks: 0 }
      })
    },

    pressKeys(keys, keyOptions) {
      let stream: ReturnType<typeof streamOptions>
      let tones: AudioChunk
      try {
        const { realtime, signal, conditions, ...toneOptions } = keyOptions ?? {}
        stream = streamOptions({ realtime, signal, conditions })
        tones = dtmfTones(keys, { ...toneOptions, sampleRate: RATE })
      } catch (err) {
        return Promise.reject(err)
      }
      const index = line++
      return serial(async () => {
        const sent = await send(tones, await lineConditions(keyOptions, index), stream)
        return { source: 'dtmf', text: keys, said: keys.replace(/[\s,]+/g, ''), durationMs: sent.durationMs, chunks: sent.chunks }
      })
    },

    pause(ms, pauseOptions) {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
        return Promise.reject(new InvalidOptionError(`user.pause(ms): ms must be a positive number of milliseconds, got ${String(ms)}`))
      }
      let stream: ReturnType<typeof streamOptions>
      try {
        stream = streamOptions(pauseOptions)
      } catch (err) {
        return Promise.reject(err)
      }
      const index = line++
      return serial(async () => {
        const conditions = await lineConditions(pauseOptions, index)
        // Silence has no power to set an SNR against: noise given as an SNR is left out of a pause.
        const quiet = conditions?.noise && conditions.noise.levelDb === undefined ? { ...conditions, noise: undefined } : conditions
        const sent = await send(silence(ms, RATE), quiet, stream)
        return { source: 'silence', text: null, said: null, durationMs: sent.durationMs, chunks: sent.chunks }
      })
    },

    async connect() {
      if (mode === 'live') await connectSimulator()
    },

    async disconnect() {
      closed = true
      const pending = connecting
      if (!pending || given) return
      try {
        const adapter = await pending
        await adapter.disconnect()
      } catch {
        // never connected: nothing to close
      }
    },
  }

  async function speakLive(
    sim: VoiceAgentAdapter,
    text: string,
    stream: { realtime: boolean; chunkMs: number; signal?: AbortSignal },
    conditions: CallerConditions | null,
  ): Promise<SayResult> {
    if (typeof sim.sendText !== 'function') {
      throw new InvalidOptionError('the voice user simulator adapter has no sendText(): it cannot be told what to say')
    }
    await sim.sendText(`${VOICE_USER_PROMPT_PREFIX}${text}`)
    const deadline = performance.now() + timeout
    let durationMs = 0
    let chunks = 0
    // With conditions the line is collected and conditioned whole (noise at an SNR needs the whole line's power).
    const held: Buffer[] = []
    for (;;) {
      const chunk = await sim.recvAudio(Math.max(0, deadline - performance.now()))
      if (chunk === null) break
      if (chunk.data.length < 2) continue
      const pcm = chunk.sampleRate === RATE ? { data: chunk.data, sampleRate: RATE } : resampleAudio({ data: chunk.data, sampleRate: chunk.sampleRate }, RATE)
      if (conditions) {
        held.push(Buffer.from(pcm.data))
        continue
      }
      const sent = await streamAudio(agent, pcm, stream)
      durationMs += sent.durationMs
      chunks += sent.chunks
    }
    if (conditions && held.length) {
      const sent = await send({ data: Buffer.concat(held), sampleRate: RATE }, conditions, stream)
      durationMs += sent.durationMs
      chunks += sent.chunks
    }
    const said = sim.lastAgentTranscript
    const status = (sim as { currentResponse?: { status?: string } | null }).currentResponse?.status
    if (chunks === 0) {
      throw new ExpectVoiceError(
        `the voice user simulator did not speak the line ${JSON.stringify(text)}: its response ended (${status ?? 'unknown status'}) without audio` +
          (said ? `; it wrote ${JSON.stringify(said)}` : ''),
      )
    }
    if (maxWer !== false && said) {
      const wer = wordErrorRate(text, said).wer
      if (wer > maxWer) {
        throw new ExpectVoiceError(
          `the voice user simulator was asked to say ${JSON.stringify(text)} but said ${JSON.stringify(said)} ` +
            `(word error rate ${wer.toFixed(2)} > maxWer ${maxWer}); its audio has already been sent to the agent. ` +
            'Rephrase the line, or raise or disable the check with createVoiceUser({ maxWer }).',
        )
      }
    }
    return { source: 'simulator', text, said: said ?? null, durationMs, chunks }
  }

  return user
}

async function toChunk(audio: string | Uint8Array | AudioChunk): Promise<{ chunk: AudioChunk; source: 'file' | 'audio' }> {
  if (typeof audio === 'string') {
    const wav = await readWav(audio, { sampleRate: RATE })
    return { chunk: { data: wav.data, sampleRate: RATE }, source: 'file' }
  }
  if (isAudioChunk(audio)) {
    const data = audio.data.length % 2 ? audio.data.subarray(0, audio.data.length - 1) : audio.data
    const chunk =
      audio.sampleRate === RATE
        ? { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), sampleRate: RATE }
        : resampleAudio({ data: Buffer.from(data), sampleRate: audio.sampleRate }, RATE)
    return { chunk, source: 'audio' }
  }
  if (audio instanceof Uint8Array) {
    const isWav = audio.byteLength >= 12 && String.fromCharCode(audio[0]!, audio[1]!, audio[2]!, audio[3]!) === 'RIFF'
    if (isWav) return { chunk: { data: decodeWav(audio, { sampleRate: RATE }).data, sampleRate: RATE }, source: 'audio' }
    return { chunk: { data: Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength), sampleRate: RATE }, source: 'audio' }
  }
  throw new InvalidOptionError('user.sayAudio(audio): audio must be a WAV file path, WAV or PCM16 bytes, or an AudioChunk')
}

/** Checks conditions as the user takes them (a noise recording may be a WAV path, read at the line). */
function checkUserConditions(conditions: unknown): void {
  if (conditions === null || typeof conditions !== 'object') {
    throw new InvalidOptionError(
      `createVoiceUser: option "conditions" must be an object of caller conditions, got ${conditions === null ? 'null' : typeof conditions}`,
    )
  }
  const noise = (conditions as VoiceUserConditions).noise
  const probe = typeof noise?.noise === 'string' ? { ...conditions, noise: { ...noise, noise: undefined } } : conditions
  checkConditions(probe)
}
