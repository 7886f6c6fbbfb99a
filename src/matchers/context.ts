import { InvalidOptionError } from '../errors/index.js'

/**
 * The part of the matcher `this` that Jest 29/30 and Vitest 4/5 share. Owning the type keeps the matchers free of
 * any runner import.
 */
export interface MatcherUtils {
  matcherHint(name: string, received?: string, expected?: string, options?: { isNot?: boolean; promise?: string; secondArgument?: string }): string
  printExpected(value: unknown): string
  printReceived(value: unknown): string
  stringify?(value: unknown): string
  EXPECTED_COLOR?: (s: string) => string
  RECEIVED_COLOR?: (s: string) => string
}

export interface MatcherContext {
  isNot?: boolean
  promise?: string
  utils: MatcherUtils
  equals(a: unknown, b: unknown, customTesters?: unknown[], strictCheck?: boolean): boolean
  customTesters?: unknown[]
  currentTestName?: string
}

export interface MatcherResult {
  pass: boolean
  message: () => string
  actual?: unknown
  expected?: unknown
}

export interface VoiceMatcherConfig {
  /** Default wait of every waiting matcher, in ms. Default 15 000. */
  timeout: number
}

const CONFIG_KEY = Symbol.for('expect-voice.matcher-config')
type WithConfig = typeof globalThis & { [CONFIG_KEY]?: VoiceMatcherConfig }

/** One config per process, even when the ESM and CJS builds are both loaded. */
export function matcherConfig(): VoiceMatcherConfig {
  const g = globalThis as WithConfig
  return (g[CONFIG_KEY] ??= { timeout: 15_000 })
}

/** Sets defaults for every voice matcher (e.g. `{ timeout: 30_000 }` for a slow live model). */
export function configureVoiceMatchers(config: Partial<VoiceMatcherConfig>): void {
  if (config === null || typeof config !== 'object') {
    throw new InvalidOptionError(
      `configureVoiceMatchers: expected an options object such as { timeout: 30000 }, got ${config === null ? 'null' : typeof config}`,
    )
  }
  const { timeout } = config
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
    const got = typeof timeout === 'string' ? JSON.stringify(timeout) : String(timeout)
    throw new InvalidOptionError(`configureVoiceMatchers: option "timeout" must be a positive finite number of ms, got ${got}`)
  }
  // Only known options: an unknown key copied onto the shared config would be read by nothing.
  if (timeout !== undefined) matcherConfig().timeout = timeout
}

export function hint(ctx: MatcherContext, name: string, expected = 'expected', secondArgument?: string): string {
  return ctx.utils.matcherHint(name, 'agent', expected, { isNot: ctx.isNot, promise: ctx.promise, secondArgument })
}

export function ms(value: number): string {
  return `${Math.round(value)} ms`
}
