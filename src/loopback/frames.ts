/**
 * What every local server (fake server, replay server, recording proxy) does to a client's JSON before it walks
 * it: bound its depth. `JSON.parse` takes any nesting, but recursive code that normalises, compares, clones or
 * prints the value does not: one frame nested 5,000 levels deep overflows the stack. Values deeper than
 * `MAX_JSON_DEPTH` are replaced by a marker string, found without recursion.
 */

/** Nesting levels kept. Real events nest less than 15 (tool parameter schemas included). */
export const MAX_JSON_DEPTH = 64

/** What stands in for a value nested deeper than the bound. */
export const TOO_DEEP_MARKER = `[nested deeper than ${MAX_JSON_DEPTH} levels]`

/**
 * True when `value` holds an object or array nested more than `max` levels deep (the top object is level 1).
 * Iterative, so it never overflows whatever the depth.
 */
export function nestedDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth + 1 > max) return true
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return false
}

/**
 * A copy of `value` with every object or array below level `max` replaced by `TOO_DEEP_MARKER`; `value` itself
 * when nothing is that deep. Own `__proto__` keys stay plain data.
 */
export function boundDepth<T>(value: T, max = MAX_JSON_DEPTH): T {
  if (!nestedDeeperThan(value, max)) return value
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null) return v
    if (depth > max) return TOO_DEEP_MARKER
    if (Array.isArray(v)) return v.map((x) => copy(x, depth + 1))
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) setOwn(out, k, copy(x, depth + 1))
    return out
  }
  return copy(value, 1) as T
}

/**
 * `target[key] = value`, except that a `__proto__` key becomes an own property instead of replacing the prototype
 * (JSON.parse makes `"__proto__"` an own key; a plain assignment would turn it into the copy's prototype, and its
 * fields would then look like fields of the copy).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

/** `value[key]` if it is the object's own property, else undefined (so `constructor`, `__proto__` never resolve to Object.prototype's). */
export function own(value: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(value, key) ? value[key] : undefined
}
