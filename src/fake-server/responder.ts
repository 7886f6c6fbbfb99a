/**
 * One response, from `response.created` to `response.done`, in the live GA order: function_call items first, then the spoken (or text) message with interleaved transcript and audio
 * deltas. The stream is a list of steps; the runner yields to the event loop between deltas so a
 * `response.cancel` (or a close) can land mid-stream, and a cancel stops it at once and sends the tail.
 */
import { performance } from 'node:perf_hooks'
import { synthesizeSpeech, normalizeSyntheticSpeechText } from '../audio/synthetic-voice.js'
import { PCM_RATE } from '../protocol/events.js'
import { wireItem, type Conversation, type ItemStatus, type StoredItem } from './conversation.js'
import { pieces, wordFragments } from './fragments.js'
import type { IdFactory } from './ids.js'
import type { ResolvedOptions } from './options.js'
import { obfuscation } from './random.js'
import type { TimerSet } from './timers.js'
import type { FakeReply, FakeResponseRecord } from './types.js'

type Json = Record<string, unknown>
export type CancelReason = 'client_cancelled' | 'turn_detected'

/** What the responder needs from its connection. */
export interface ResponderHost {
  readonly ids: IdFactory
  readonly timers: TimerSet
  readonly options: ResolvedOptions
  readonly conversation: Conversation
  readonly conversationId: string
  /** Deterministic randomness for `obfuscation`. */
  readonly random: () => number
  /** Current GA session object. */
  session(): Json
  emit(event: Json): void
  sendRaw(data: string | Buffer): void
  /** Drop the connection (fault injection). */
  disconnect(code: number, reason: string): void
  /** Run `fn` once the client has received every event emitted so far (see the connection); returns a cancel function. */
  afterDelivery(fn: () => void): () => void
  /** A bug in the fake: reported to the client as a server_error event, never thrown. */
  reportError(err: unknown): void
  /** The response finished (any status): clear it as the active one, follow with rate_limits.updated. */
  finished(response: ActiveResponse, usage: Json): void
}

/** The resolved reply plus the latency to apply, computed by the connection (it owns the reply context). */
export interface PreparedReply {
  reply: FakeReply
  latencyMs: number
  /** Rough input size for the usage numbers. */
  inputTextChars: number
  inputAudioMs: number
}

interface Step {
  run(): void
  /** Yield to the event loop after this step (deltas); `audioMs` paces 'realtime'. */
  yieldAfter?: { audioMs: number }
}

interface OutputState {
  kind: 'function_call' | 'audio' | 'text'
  item: StoredItem
  outputIndex: number
  /** Everything streamed so far: transcript, text or arguments. */
  sent: string
  audioBytes: number
  /** The whole audio of the item; what was sent is its first `audioBytes` bytes. */
  audio: Buffer | null
  closed: boolean
}

const BYTES_PER_MS = (PCM_RATE * 2) / 1000

export class ActiveResponse {
  readonly id: string
  private state: 'preparing' | 'streaming' | 'done' = 'preparing'
  /** When the request arrived: the latency runs from here. */
  private readonly startedAt: number
  private readonly request: Json
  private readonly inConversation: boolean
  private readonly outputs: OutputState[] = []
  private open: OutputState | null = null
  private steps: Step[] = []
  private next = 0
  private cancelTimer: (() => void) | null = null
  private streamStart = 0
  private streamedMs = 0
  private deltas = 0
  private audioDeltas = 0
  private prepared: PreparedReply | null = null
  private planned = 0

  constructor(
    private readonly host: ResponderHost,
    request: Json,
    requestedAt: number = performance.now(),
  ) {
    this.startedAt = requestedAt
    this.id = host.ids.next('resp')
    this.record.id = this.id
    this.record.requestedAt = this.startedAt
    this.request = request
    this.inConversation = request.conversation !== 'none'
  }

  get active(): boolean {
    return this.state !== 'done'
  }

  /** Server-side timings of this response (performance.now() times), for latency tests. */
  readonly record: FakeResponseRecord = { id: '', status: 'in_progress', requestedAt: 0, latencyMs: 0 }

  /** Send `response.created` now (as live does), then stream once the reply is ready and the latency passed. */
  start(prepare: () => Promise<PreparedReply>): void {
    this.host.emit({ type: 'response.created', event_id: this.host.ids.next('event'), response: this.responseObject('in_progress', null) })
    const fail = (err: unknown) => {
      if (this.state !== 'preparing') return
      this.finish('failed', { error: { type: 'server_error', code: null, message: `expect-voice fake server: reply failed: ${errorMessage(err)}` } })
    }
    prepare()
      .then((prepared) => {
        if (this.state !== 'preparing') return
        try {
          this.prepared = prepared
          this.record.latencyMs = prepared.latencyMs
          // Build the whole stream (synthesis included) now, so nothing but sending is left at the deadline.
          const status = prepared.reply.status ?? this.host.options.faults.responseStatus ?? 'completed'
          if (status !== 'failed') this.buildSteps(prepared.reply, status === 'incomplete')
          this.cancelTimer = this.host.timers.at(this.startedAt + prepared.latencyMs, () => {
            this.cancelTimer = null
            this.begin(status === 'failed')
          })
        } catch (err) {
          fail(err)
        }
      }, fail)
      .catch((err: unknown) => this.host.reportError(err))
  }

  /** Stop at once and send the tail: partial item(s) marked incomplete, `response.done` cancelled. */
  cancel(reason: CancelReason): void {
    if (this.state === 'done') return
    this.stopTimer()
    if (this.open) this.closeOutput(this.open, 'incomplete')
    this.finish('cancelled', { reason })
  }

  /** The socket is gone: stop without sending anything. */
  abort(): void {
    this.stopTimer()
    this.state = 'done'
  }

  private stopTimer(): void {
    this.cancelTimer?.()
    this.cancelTimer = null
  }

  private begin(failed: boolean): void {
    if (failed) {
      this.finish('failed', {
        error: {
          type: 'server_error',
          code: null,
          message: `The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if the error persists. (include session ID in your message: ${this.host.ids.session}). We recommend you retry your request.`,
        },
      })
      return
    }
    this.state = 'streaming'
    this.streamStart = performance.now()
    this.runSteps()
  }

  private runSteps(): void {
    while (this.state === 'streaming' && this.next < this.steps.length) {
      const step = this.steps[this.next++]!
      step.run()
      if (this.state !== 'streaming') return
      if (step.yieldAfter && this.next < this.steps.length) {
        // The gap runs from when the client has this delta, so it holds on the wire, not just in our queue.
        const audioMs = step.yieldAfter.audioMs
        let delivered = false
        const cancelWait = this.host.afterDelivery(() => {
          delivered = true
          this.pace(audioMs)
        })
        if (!delivered) this.cancelTimer = cancelWait
        return
      }
    }
  }

  /**
   * Schedules the next step, once the client has the last delta. At a `streamSpeed` the next one is due at its
   * place in the stream (an absolute schedule, so timer overshoot does not add up over a long reply), but never
   * sooner than half a gap after the client got the last one: that half gap is its time to cancel. Then two turns
   * of the event loop, so a `response.cancel` that came in meanwhile is read before the next delta goes out.
   */
  private pace(audioMs: number): void {
    const timers = this.host.timers
    const twoTurns = () => {
      this.cancelTimer = timers.after(0, () => {
        this.cancelTimer = timers.after(0, () => {
          this.cancelTimer = null
          this.runSteps()
        })
      })
    }
    const pace = this.host.options.pace
    let wait: number
    if ('speed' in pace) {
      // A plain timer, not `timers.at`: the gap need not be exact to the millisecond, and polling burns CPU.
      const gap = audioMs / pace.speed
      this.streamedMs += gap
      wait = Math.max(this.streamStart + this.streamedMs - performance.now(), gap / 2)
    } else wait = pace.gapMs
    if (wait >= 1) this.cancelTimer = timers.after(wait, twoTurns)
    else twoTurns()
  }

  private get modality(): 'audio' | 'text' {
    const requested = this.request.output_modalities
    const modalities = Array.isArray(requested) ? requested : (this.host.session().output_modalities as unknown[])
    return modalities.includes('audio') ? 'audio' : 'text'
  }

  private buildSteps(reply: FakeReply, incomplete: boolean): void {
    const toolCalls = reply.toolCalls ?? []
    const text = normalizeSyntheticSpeechText(reply.text ?? '')
    const withMessage = toolCalls.length === 0 || text !== '' || (reply.audio?.length ?? 0) > 0
    const lastIndex = toolCalls.length + (withMessage ? 1 : 0) - 1
    toolCalls.forEach((call, i) => {
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments)
      this.functionCallSteps(call.name, args, call.callId ?? this.host.ids.next('call'), incomplete && i === lastIndex)
    })
    if (withMessage) {
      if (this.modality === 'text') this.textSteps(text, incomplete)
      else this.audioSteps(text, reply.audio ?? this.spokenAudio(text), incomplete)
    }
    this.steps.push({ run: () => this.finish(incomplete ? 'incomplete' : 'completed', incomplete ? { reason: 'max_output_tokens' } : null) })
  }

  /** `spokenText`: the voice says something else than the transcript (undefined: it says the transcript). */
  private spokenAudio(text: string): Buffer | undefined {
    const spoken = this.host.options.spokenText?.(text)
    if (spoken === undefined || spoken === text) return undefined
    if (typeof spoken !== 'string') throw new Error(`spokenText must return a string, got ${typeof spoken}`)
    return synthesizeSpeech(normalizeSyntheticSpeechText(spoken), { msPerChar: this.host.options.msPerChar })
  }

  /** Keep the first half of the deltas when the response is cut short ('incomplete'). */
  private limit<T>(deltas: T[], incomplete: boolean): T[] {
    return incomplete ? deltas.slice(0, Math.ceil(deltas.length / 2)) : deltas
  }

  private openOutput(kind: OutputState['kind'], item: StoredItem): OutputState {
    const out: OutputState = { kind, item, outputIndex: this.planned++, sent: '', audioBytes: 0, audio: null, closed: false }
    this.steps.push({
      run: () => {
        this.outputs.push(out)
        this.open = out
        this.host.emit({ type: 'response.output_item.added', event_id: this.ev(), response_id: this.id, output_index: out.outputIndex, item: wireItem(item) })
        if (this.inConversation) {
          const previous = this.host.conversation.insert(item)
          this.host.emit({ type: 'conversation.item.added', event_id: this.ev(), previous_item_id: previous ?? null, item: wireItem(item) })
        }
      },
    })
    return out
  }

  private ids(out: OutputState): Json {
    return { response_id: this.id, item_id: out.item.id, output_index: out.outputIndex }
  }

  private beforeFirstDelta(): void {
    if (this.deltas++ > 0 || !this.host.options.faults.malformedFrames) return
    this.host.sendRaw('{"type":"response.output_audio.delta", this is not JSON')
    this.host.sendRaw(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]))
  }

  private functionCallSteps(name: string, args: string, callId: string, incomplete: boolean): void {
    const item: StoredItem = { id: this.host.ids.next('item'), type: 'function_call', status: 'in_progress', name, call_id: callId, arguments: '' }
    const out = this.openOutput('function_call', item)
    const chunks = this.limit(pieces(args, 16), incomplete)
    for (const delta of chunks) {
      this.steps.push({
        run: () => {
          this.beforeFirstDelta()
          out.sent += delta
          this.host.emit({ type: 'response.function_call_arguments.delta', event_id: this.ev(), ...this.ids(out), call_id: callId, delta })
        },
        yieldAfter: { audioMs: 0 },
      })
    }
    this.steps.push({ run: () => this.closeOutput(out, incomplete ? 'incomplete' : 'completed') })
  }

  private textSteps(text: string, incomplete: boolean): void {
    const item: StoredItem = { id: this.host.ids.next('item'), type: 'message', status: 'in_progress', role: 'assistant', content: [] }
    const out = this.openOutput('text', item)
    this.steps.push({
      run: () =>
        this.host.emit({ type: 'response.content_part.added', event_id: this.ev(), ...this.ids(out), content_index: 0, part: { type: 'text', text: '' } }),
    })
    for (const delta of this.limit(wordFragments(text), incomplete)) {
      this.steps.push({
        run: () => {
          this.beforeFirstDelta()
          out.sent += delta
          this.host.emit({
            type: 'response.output_text.delta',
            event_id: this.ev(),
            ...this.ids(out),
            content_index: 0,
            delta,
            obfuscation: obfuscation(this.host.random),
          })
        },
        yieldAfter: { audioMs: Buffer.byteLength(delta) * this.host.options.msPerChar },
      })
    }
    this.steps.push({ run: () => this.closeOutput(out, incomplete ? 'incomplete' : 'completed') })
  }

  private audioSteps(transcript: string, customAudio: Buffer | undefined, incomplete: boolean): void {
    const opts = this.host.options
    const item: StoredItem = { id: this.host.ids.next('item'), type: 'message', status: 'in_progress', role: 'assistant', content: [] }
    const out = this.openOutput('audio', item)
    this.steps.push({
      run: () => {
        // From here on the item holds audio, so a barge-in can truncate it while it is still streaming.
        item.content = [{ type: 'output_audio', transcript: '' }]
        this.host.emit({
          type: 'response.content_part.added',
          event_id: this.ev(),
          ...this.ids(out),
          content_index: 0,
          part: { type: 'audio', transcript: '' },
        })
      },
    })
    // A copy of custom audio, so the test changing its buffer later cannot rewrite the conversation.
    let audio = customAudio ? Buffer.from(customAudio) : synthesizeSpeech(transcript, { msPerChar: opts.msPerChar })
    if (audio.length % 2) audio = audio.subarray(0, audio.length - 1)
    out.audio = audio
    const chunkCount = Math.ceil(audio.length / opts.chunkBytes)
    const fragments = wordFragments(transcript)
    // Each transcript fragment goes out just before the audio chunk where it starts to be spoken, so the text
    // never runs ahead of the audio (a cancel then leaves a transcript that matches what was heard).
    const symbolBytes = Math.round((opts.msPerChar * PCM_RATE) / 1000) * 2
    const due: string[][] = Array.from({ length: Math.max(chunkCount, 1) }, () => [])
    let offset = 0
    for (const fragment of fragments) {
      const lead = fragment.length - fragment.trimStart().length
      const at = Buffer.byteLength(transcript.slice(0, offset + lead))
      const index = customAudio ? Math.floor((offset / Math.max(transcript.length, 1)) * chunkCount) : Math.floor(((at + 1) * symbolBytes) / opts.chunkBytes)
      due[Math.min(index, due.length - 1)]!.push(fragment)
      offset += fragment.length
    }
    const chunkIndexes = this.limit(
      Array.from({ length: chunkCount }, (_, k) => k),
      incomplete,
    )
    for (const k of chunkIndexes) {
      const chunk = audio.subarray(k * opts.chunkBytes, Math.min(audio.length, (k + 1) * opts.chunkBytes))
      this.steps.push({
        run: () => {
          const fault = opts.faults.closeAfterDeltas
          if (fault && fault.count === 0 && this.audioDeltas === 0) return this.dropConnection()
          this.beforeFirstDelta()
          for (const fragment of due[k]!) this.transcriptDelta(out, fragment)
          out.audioBytes += chunk.length
          // Keep the stored item current so a truncate mid-stream sees the audio and words sent so far.
          item.audio = audio.subarray(0, out.audioBytes)
          if (item.content?.[0]) item.content[0].transcript = out.sent
          this.host.emit({ type: 'response.output_audio.delta', event_id: this.ev(), ...this.ids(out), content_index: 0, delta: chunk.toString('base64') })
          this.record.firstAudioAt ??= performance.now()
          this.audioDeltas++
          if (fault && this.audioDeltas === fault.count) this.dropConnection()
        },
        yieldAfter: { audioMs: chunk.length / BYTES_PER_MS },
      })
    }
    if (!incomplete) {
      // Fragments not yet due (custom audio shorter than its text, or no audio at all) go before the tail.
      const rest = chunkCount === 0 ? due.flat() : []
      this.steps.push({
        run: () => {
          for (const f of rest) this.transcriptDelta(out, f)
        },
      })
    }
    this.steps.push({ run: () => this.closeOutput(out, incomplete ? 'incomplete' : 'completed') })
  }

  private transcriptDelta(out: OutputState, delta: string): void {
    out.sent += delta
    this.host.emit({
      type: 'response.output_audio_transcript.delta',
      event_id: this.ev(),
      ...this.ids(out),
      content_index: 0,
      delta,
      obfuscation: obfuscation(this.host.random),
    })
  }

  private dropConnection(): void {
    const fault = this.host.options.faults.closeAfterDeltas!
    this.abort()
    this.host.disconnect(fault.code ?? 1006, fault.reason ?? '')
  }

  /** The tail of one output item; also used by cancel with status 'incomplete'. */
  private closeOutput(out: OutputState, status: ItemStatus): void {
    if (out.closed) return
    out.closed = true
    this.open = null
    const item = out.item
    item.status = status
    const ids = this.ids(out)
    if (out.kind === 'function_call') {
      item.arguments = out.sent
      this.host.emit({
        type: 'response.function_call_arguments.done',
        event_id: this.ev(),
        ...ids,
        call_id: item.call_id,
        name: item.name,
        arguments: out.sent,
      })
    } else if (out.kind === 'text') {
      item.content = [{ type: 'output_text', text: out.sent }]
      this.host.emit({ type: 'response.output_text.done', event_id: this.ev(), ...ids, content_index: 0, text: out.sent })
      this.host.emit({ type: 'response.content_part.done', event_id: this.ev(), ...ids, content_index: 0, part: { type: 'text', text: out.sent } })
    } else {
      item.content = [{ type: 'output_audio', transcript: out.sent }]
      item.audio = (out.audio ?? Buffer.alloc(0)).subarray(0, out.audioBytes)
      this.host.emit({ type: 'response.output_audio.done', event_id: this.ev(), ...ids, content_index: 0 })
      this.host.emit({ type: 'response.output_audio_transcript.done', event_id: this.ev(), ...ids, content_index: 0, transcript: out.sent })
      this.host.emit({ type: 'response.content_part.done', event_id: this.ev(), ...ids, content_index: 0, part: { type: 'audio', transcript: out.sent } })
    }
    if (this.inConversation) {
      const previous = this.previousOf(item.id)
      this.host.emit({ type: 'conversation.item.done', event_id: this.ev(), previous_item_id: previous, item: wireItem(item) })
    }
    this.host.emit({ type: 'response.output_item.done', event_id: this.ev(), response_id: this.id, output_index: out.outputIndex, item: wireItem(item) })
  }

  private previousOf(itemId: string): string | null {
    const history = this.host.conversation.history()
    const at = history.findIndex((h) => h.itemId === itemId)
    return at > 0 ? history[at - 1]!.itemId : null
  }

  private finish(status: FakeResponseRecord['status'], details: Json | null): void {
    if (this.state === 'done') return
    this.state = 'done'
    this.stopTimer()
    const usage = this.usage()
    const statusDetails = details === null ? null : { type: status, ...details }
    this.record.status = status
    this.record.doneAt = performance.now()
    this.host.emit({ type: 'response.done', event_id: this.ev(), response: this.responseObject(status, statusDetails, usage) })
    this.host.finished(this, usage)
  }

  private responseObject(status: FakeResponseRecord['status'], statusDetails: Json | null, usage: Json | null = null): Json {
    const session = this.host.session()
    const sessionOutput = (session.audio as { output: Json }).output
    const requestOutput = ((this.request.audio as Json | undefined)?.output ?? {}) as Json
    return {
      object: 'realtime.response',
      id: this.id,
      status,
      status_details: statusDetails,
      output: this.outputs.map((o) => wireItem(o.item)),
      conversation_id: this.host.conversationId,
      output_modalities: [this.modality],
      max_output_tokens: this.request.max_output_tokens ?? session.max_output_tokens ?? 'inf',
      audio: { output: { format: sessionOutput.format, voice: requestOutput.voice ?? sessionOutput.voice } },
      usage,
      metadata: this.request.metadata ?? null,
    }
  }

  /** Deterministic, plausible token counts: ~4 chars a text token, 10 audio tokens/s in, 20/s out. */
  private usage(): Json {
    const outText = this.outputs.reduce((n, o) => n + o.sent.length, 0)
    const outAudioMs = this.outputs.reduce((n, o) => n + o.audioBytes / BYTES_PER_MS, 0)
    const inText = Math.ceil((this.prepared?.inputTextChars ?? 0) / 4)
    const inAudio = Math.ceil((this.prepared?.inputAudioMs ?? 0) / 100)
    const outTextTokens = Math.ceil(outText / 4)
    const outAudioTokens = Math.ceil(outAudioMs / 50)
    const input = inText + inAudio
    const output = outTextTokens + outAudioTokens
    return {
      total_tokens: input + output,
      input_tokens: input,
      output_tokens: output,
      input_token_details: {
        text_tokens: inText,
        audio_tokens: inAudio,
        image_tokens: 0,
        cached_tokens: 0,
        cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
      },
      output_token_details: { text_tokens: outTextTokens, audio_tokens: outAudioTokens },
    }
  }

  private ev(): string {
    return this.host.ids.next('event')
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
