import { InvalidOptionError } from '../errors/index.js'

/** Short, safe rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return String(value)
}

export function assertText(fn: string, name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new InvalidOptionError(`${fn}: ${name} must be a string, got ${describeValue(value)}`)
  }
}

/**
 * Options objects are read, not checked for unknown keys: matcher layers pass their own
 * options (timeout, …) straight through.
 */
export function readOptions(fn: string, opts: unknown): Record<string, unknown> {
  if (opts === undefined) return {}
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new InvalidOptionError(`${fn}: options must be an object, got ${describeValue(opts)}`)
  }
  return opts as Record<string, unknown>
}

export function readBoolean(fn: string, opts: Record<string, unknown>, key: string): boolean | undefined {
  const value = opts[key]
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') {
    throw new InvalidOptionError(`${fn}: option "${key}" must be a boolean, got ${describeValue(value)}`)
  }
  return value
}

/** A ratio option in [0, 1] such as `maxWer`. */
export function readRatio(fn: string, opts: Record<string, unknown>, key: string): number | undefined {
  const value = opts[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidOptionError(`${fn}: option "${key}" must be a number between 0 and 1, got ${describeValue(value)}`)
  }
  return value
}

export function readInteger(fn: string, opts: Record<string, unknown>, key: string, min: number): number | undefined {
  const value = opts[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(`${fn}: option "${key}" must be an integer ≥ ${min}, got ${describeValue(value)}`)
  }
  return value
}
