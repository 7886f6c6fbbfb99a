import { performance } from 'node:perf_hooks'
import type { VoiceAgentAdapter } from '../adapter/types.js'
import { hasPendingInput, observe } from '../adapter/observe.js'
import { isResponseOpen, type ResponseRecord } from '../conversation/records.js'
import { subscribe, type Conversation } from '../conversation/reducer.js'
import { RealtimeTimeoutError } from '../errors/index.js'

export interface DriveResult {
  response: ResponseRecord | null
  /** Set when the wait ran out. */
  timeout: RealtimeTimeoutError | null
}

/**
 * Drives the adapter's receive loop until `done(response)` holds, the turn's responses end (a response whose tool
 * calls are being answered is followed by the next one), or the deadline passes.
 * Chunks are recorded on the response (by the reducer), so later matchers see them too.
 */
export async function drive(agent: VoiceAgentAdapter, timeoutMs: number, done: (response: ResponseRecord) => boolean): Promise<DriveResult> {
  const conversation = observe(agent)
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const response = conversation.currentResponse
    // A response done with tool calls still being answered is not the end of the turn: its follow-up comes next.
    if (response && !hasPendingInput(conversation) && (done(response) || (!isResponseOpen(response) && !response.awaitingFollowUp))) {
      return { response, timeout: null }
    }
    const remaining = Math.max(0, deadline - performance.now())
    try {
      const chunk = await agent.recvAudio(remaining)
      if (chunk === null) return { response: conversation.currentResponse, timeout: null }
    } catch (err) {
      if (err instanceof RealtimeTimeoutError || (err as Error)?.name === 'RealtimeTimeoutError') {
        return { response: conversation.currentResponse, timeout: err as RealtimeTimeoutError }
      }
      throw err
    }
  }
}

/**
 * Resolves with the first value `read` returns (not `undefined`), looked at now and after every change of the
 * records, or `undefined` once `timeoutMs` has passed. `pollMs`: also look again at this interval, for values the
 * records cannot announce (a third-party adapter's own getter).
 */
export function waitForChange<T>(conversation: Conversation, read: () => T | undefined, timeoutMs: number, pollMs?: number): Promise<T | undefined> {
  const first = read()
  if (first !== undefined || timeoutMs <= 0) return Promise.resolve(first)
  return new Promise((resolve) => {
    const finish = (value: T | undefined) => {
      clearTimeout(timer)
      clearInterval(poll)
      unsubscribe()
      resolve(value)
    }
    const check = () => {
      const value = read()
      if (value !== undefined) finish(value)
    }
    const unsubscribe = subscribe(conversation, check)
    const timer = setTimeout(() => finish(read()), timeoutMs)
    const poll = pollMs ? setInterval(check, pollMs) : undefined
  })
}
