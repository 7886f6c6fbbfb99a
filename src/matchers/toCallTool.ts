import type { VoiceAgentAdapter } from '../adapter/types.js'
import { turnToolCalls, type ToolCallRecord } from '../conversation/records.js'
import { formatTranscript } from '../conversation/transcript-serializer.js'
import { InvalidOptionError } from '../errors/index.js'
import { hint, type MatcherContext, type MatcherResult } from './context.js'
import { hasPendingInput, latestTurn, observe } from '../adapter/observe.js'
import { drive } from './drive.js'
import { trackPending } from './pending.js'
import { describeTurnTimings, excerpt, notAnAdapter, resolveTimeout } from './shared.js'

export interface ToCallToolOptions {
  /** The exact number of matching calls in the turn. Default: at least one. */
  times?: number
  /** How long to wait for the turn's responses to end, in ms. Default: the global matcher timeout (15 s). */
  timeout?: number
}

type Asymmetric = { asymmetricMatch(other: unknown): boolean }
const isAsymmetric = (v: unknown): v is Asymmetric => v !== null && typeof v === 'object' && typeof (v as Asymmetric).asymmetricMatch === 'function'
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  !isAsymmetric(v) &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)

/** A call's arguments, parsed; `invalid` when they are not JSON. */
type Parsed = { call: ToolCallRecord; ok: true; value: unknown } | { call: ToolCallRecord; ok: false }

/**
 * Passes when the latest user turn (its response and the follow-up responses of the same turn) called the function
 * `name`, with arguments containing `args` (partial at the top level, like `expect.objectContaining`; asymmetric
 * matchers work), `times` times exactly when given.
 */
export async function toCallTool(
  this: MatcherContext,
  received: VoiceAgentAdapter,
  name: string,
  args?: unknown,
  options: ToCallToolOptions = {},
): Promise<MatcherResult> {
  const invalid = notAnAdapter(this, 'toCallTool', received)
  if (invalid) return invalid
  if (typeof name !== 'string' || name === '') {
    throw new InvalidOptionError(`toCallTool(name): name must be the function's name (a non-empty string), got ${this.utils.printReceived(name)}`)
  }
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(`toCallTool(name, args, options): options must be an object such as { times: 1 }, got ${this.utils.printReceived(options)}`)
  }
  const { times } = options
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 0)) {
    throw new InvalidOptionError(`toCallTool: option "times" must be a whole number ≥ 0, got ${String(times)}`)
  }
  const timeout = resolveTimeout('toCallTool', options.timeout)
  const head = hint(this, 'toCallTool', 'name', args !== undefined ? 'args' : undefined)
  return trackPending(this, received, 'toCallTool', async () => {
    const conversation = observe(received)
    // Nothing sent and nothing asked: no turn will come to wait for.
    const asked = conversation.currentResponse !== null || hasPendingInput(conversation)
    const { response, timeout: timedOut } = asked ? await drive(received, timeout, () => false) : { response: null, timeout: null }
    const turn = latestTurn(conversation)
    if (!response || !turn) {
      // Nothing to judge: fails with and without `.not`.
      return { pass: !!this.isNot, message: () => `${head}\n\nThe agent has not been asked anything: send audio or text first.` }
    }
    const calls = turn.responses.length ? turnToolCalls(turn) : response.toolCalls
    const evidence = () =>
      `\n\nCalls in this turn (${calls.length}):\n${describeCalls(calls)}` +
      `\n\nTranscript:\n${indent(formatTranscript(conversation.transcript) || '(empty)')}` +
      `\n\nTimings:\n${describeTurnTimings(turn, response)}`
    if (timedOut) {
      return {
        pass: !!this.isNot,
        message: () => `${head}\n\nThe turn did not end within ${timeout} ms, so its calls are not all known.${evidence()}\n\n${timedOut.message}`,
      }
    }
    const named: Parsed[] = calls
      .filter((call) => call.name === name)
      .map((call) => {
        try {
          // No arguments at all reads as `{}`, as the adapter's handlers get it.
          return { call, ok: true, value: call.arguments.trim() === '' ? {} : JSON.parse(call.arguments) }
        } catch {
          return { call, ok: false }
        }
      })
    const broken = named.find((p) => !p.ok)
    if (broken) {
      // Not a verdict on the call either way: `.not` fails too.
      return {
        pass: !!this.isNot,
        message: () =>
          `${head}\n\nThe agent called ${name} (call ${broken.call.callId}) with arguments that are not valid JSON:\n  ${excerpt(broken.call.arguments, 2000)}` +
          evidence(),
      }
    }
    const matching = named.filter((p) => args === undefined || (p.ok && matchesArgs(this, p.value, args)))
    const pass = times === undefined ? matching.length > 0 : matching.length === times
    const argsPart = args !== undefined ? ` with arguments ${isPlainObject(args) ? 'containing' : 'matching'} ${printArgs(this, args)}` : ''
    const count = times === undefined ? null : `exactly ${plural(times, 'call')} of ${name}`
    const expectedLine = this.isNot ? (count ? `not ${count}` : `no call of ${name}`) + argsPart : (count ?? `a call of ${name}`) + argsPart
    const receivedLine =
      named.length === 0
        ? `no call of ${name}`
        : `${plural(named.length, 'call')} of ${name}` +
          (args !== undefined ? `, ${matching.length === 0 ? 'none' : matching.length} with matching arguments` : '')
    return {
      pass,
      actual: calls.map((c) => ({ name: c.name, arguments: c.arguments })),
      message: () => `${head}\n\nExpected: ${expectedLine}\nReceived: ${receivedLine}${evidence()}`,
    }
  })
}

/** Partial at the top level (the expected object's keys must match), full `equals` below it and for anything else. */
function matchesArgs(ctx: MatcherContext, actual: unknown, expected: unknown): boolean {
  if (!isPlainObject(expected)) return ctx.equals(actual, expected, ctx.customTesters)
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false
  const record = actual as Record<string, unknown>
  return Object.keys(expected).every((key) => Object.hasOwn(record, key) && ctx.equals(record[key], expected[key], ctx.customTesters))
}

/** Expected arguments on one line: `{"party": 2, "time": StringMatching /^19:/}` (the runner prints each value). */
function printArgs(ctx: MatcherContext, args: unknown): string {
  if (!isPlainObject(args)) return ctx.utils.printExpected(args)
  return `{${Object.keys(args)
    .map((key) => `${JSON.stringify(key)}: ${ctx.utils.printExpected(args[key])}`)
    .join(', ')}}`
}

function describeCalls(calls: readonly ToolCallRecord[]): string {
  if (!calls.length) return '  (none)'
  return calls
    .map((c, i) => {
      const result = c.error !== null ? ` → failed: ${c.error}` : c.output !== null ? ` → ${excerpt(c.output, 300)}` : ' (unanswered)'
      return `  ${i + 1}. ${c.name}(${excerpt(c.arguments, 500)}) call ${c.callId}${result}`
    })
    .join('\n')
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')
}
