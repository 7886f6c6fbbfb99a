/** Placeholder written wherever a secret would have appeared. */
export const REDACTED = '[redacted]'

/**
 * Implemented by adapters that hold credentials: returns the text with them removed (never the credentials
 * themselves). The matchers pass their messages through it; transcripts, layouts and reports that carry it (see
 * `attachRedactor`) are rendered through it.
 */
export const REDACT: unique symbol = Symbol.for('expect-voice.redact') as never

/** Text in, the same text with every secret and key-like string replaced by `[redacted]`. */
export type Redactor = (text: string) => string

/*
 * What is removed.
 *
 * Without knowing any secret (anything key-shaped, because a server or a payload may echo a key we were not told):
 *   - `sk-…` keys, in any case (`SK-PROJ-…`), and their masked forms (`sk-proj-...L7mN`, `sk-abc****wxyz`);
 *   - bearer tokens (`Bearer …`) and values of `api-key=` / `"api_key": "…"` / `access_token: …` that hold a digit.
 * For each secret we were told (the key, credential header values), case-insensitively:
 *   - the secret itself, and any prefix of it that reaches 8 characters past its `sk-…-` label (a key cut short
 *     in an error's `code`), with whatever mask follows (`sk-proj-CANARYWG****L7mN`);
 *   - a mask (`...`, `…`, `***`) followed by 4 or more of its last characters (`...L7mN`, with or without label);
 *   - every run of 8 or more letters and digits of it, as a text normaliser leaves them after splitting at `-`,
 *     `_` and other punctuation (the words of a matcher's alignment), unless the run is a plain word shorter than
 *     16 letters ("password"), which would also blank out ordinary text.
 * Ordinary words, ids (`resp_0001`, `item_abc`) and event types are never touched: every rule needs either the
 * `sk-`/`Bearer`/`api-key` shape or a run of characters taken from a secret.
 */

// `sk-` keys (any case) and bearer tokens: removed even when we were not told the secret.
const KEY_LIKE_SOURCE = String.raw`\b([sS][kK]-[A-Za-z0-9_-]{16,})|(Bearer\s+)([A-Za-z0-9._~+/=-]{8,})`
const KEY_LIKE = new RegExp(KEY_LIKE_SOURCE, 'g')
// How error messages and dashboards mask a key. A run is only entered at its first character (the lookbehinds),
// so a long run of dots or stars costs linear time, not quadratic backtracking.
const MASK = String.raw`(?:(?<!\.)\.{2,}|…|(?<!\*)\*{3,}|(?<!•)•{3,})`
const MASKED_KEY = String.raw`\b[sS][kK]-[A-Za-z0-9_-]{0,40}${MASK}[A-Za-z0-9_*•.…-]{0,40}`
// `api-key=…`, `"api_key": "…"`, `access_token: …`: only values with a digit (a key), not "api-key: required".
const KEY_VALUE = String.raw`\b(api[-_]?key|access[-_]?token)(["']?\s*[:=]\s*["']?)((?=[^\s"'&,;]{0,256}\d)[^\s"'&,;]{8,})`
// The label in front of a key's random part: `sk-`, `sk-proj-`, `sk-svcacct-`, `sk-canary-`, ...
const LABEL = /^sk-(?:[a-z]{2,12}-)?/i
// Runs a normaliser keeps as one word.
const RUN = /[\p{L}\p{N}]+/gu
const MIN_FRAGMENT = 8
const MIN_SUFFIX = 4
// A word of letters only, in one case or capitalised: a secret's piece that looks like this is only redacted when
// it is long, because "password" or "Secret" also occur in ordinary text.
const WORD_LIKE = /^(?:[a-z]+|[A-Z]+|[A-Z][a-z]+)$/
const MIN_WORD_FRAGMENT = 16

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/** `head` then, optionally, as much of `rest` as follows it (a regex for every prefix of head + rest). */
function prefixChain(head: string, rest: string): string {
  let tail = ''
  for (let i = rest.length - 1; i >= 0; i--) tail = `(?:${escapeRegExp(rest[i]!)}${tail})?`
  return escapeRegExp(head) + tail
}

/** Optionally as much of `rest` as precedes it, then `last` (a regex for every suffix of rest + last). */
function suffixChain(rest: string, last: string): string {
  let lead = ''
  for (let i = 0; i < rest.length; i++) lead = `(?:${lead}${escapeRegExp(rest[i]!)})?`
  return lead + escapeRegExp(last)
}

/** The shortest prefix of `core` of at least `MIN_FRAGMENT` characters that is not a plain word. */
function headLength(core: string): number {
  let k = Math.min(MIN_FRAGMENT, core.length)
  while (k < core.length && k < MIN_WORD_FRAGMENT && WORD_LIKE.test(core.slice(0, k))) k++
  return k
}

/** Regex alternatives for one secret (case-insensitive), most specific first. */
function secretPatterns(secret: string): { key: string[]; pieces: string[] } {
  const label = LABEL.exec(secret)?.[0] ?? ''
  const core = secret.slice(label.length)
  if (core.length < MIN_FRAGMENT) return { key: [escapeRegExp(secret)], pieces: [] }
  const optionalLabel = label ? `(?:${escapeRegExp(label)})?` : ''
  const h = headLength(core)
  const maskedTail = `(?:${MASK}[A-Za-z0-9_*•.…-]*)?`
  const key = [
    // the secret, or a prefix of it, and a mask with whatever follows it
    `${optionalLabel}${prefixChain(core.slice(0, h), core.slice(h))}${maskedTail}`,
    // a mask and the secret's last characters
    `${optionalLabel}${MASK}${suffixChain(core.slice(0, -MIN_SUFFIX), core.slice(-MIN_SUFFIX))}`,
  ]
  const pieces = [...core.matchAll(RUN)]
    .map((m) => m[0])
    .filter((p) => p.length >= MIN_FRAGMENT && (p.length >= MIN_WORD_FRAGMENT || !WORD_LIKE.test(p)))
    .map(escapeRegExp)
  return { key, pieces }
}

function compile(secrets: readonly string[]): Redactor {
  const short = secrets.filter((s) => s.length < MIN_FRAGMENT)
  const long = secrets.filter((s) => s.length >= MIN_FRAGMENT)
  const keys: string[] = []
  const pieces = new Set<string>()
  for (const s of long) {
    const p = secretPatterns(s)
    keys.push(...p.key)
    for (const piece of p.pieces) pieces.add(piece)
  }
  // Longer pieces first: at one position the first alternative that matches wins.
  const pieceList = [...pieces].sort((a, b) => b.length - a.length)
  // Groups: 1 = key-value name, 2 = its separator, 3 = bearer prefix; everything else is replaced whole.
  const generic = [`(?:${KEY_VALUE})`, `(?:(Bearer\\s+)[A-Za-z0-9._~+/=-]{8,})`, MASKED_KEY, String.raw`\b[sS][kK]-[A-Za-z0-9_-]{16,}`]
  const source = [...keys, ...pieceList, ...generic].map((s) => `(?:${s})`).join('|')
  const pattern = new RegExp(source, 'gi')
  const replace = (_m: string, name: string | undefined, sep: string | undefined, _value: string | undefined, bearer: string | undefined) =>
    name !== undefined ? `${name}${sep}${REDACTED}` : bearer !== undefined ? `${bearer}${REDACTED}` : REDACTED
  return (text: string): string => {
    if (typeof text !== 'string' || text === '') return text
    let out = text
    // Secrets shorter than a fragment are replaced only where they occur whole, in their own case.
    for (const s of short) if (out.includes(s)) out = out.split(s).join(REDACTED)
    return out.replace(pattern, replace)
  }
}

// Redactors are built once per set of secrets: an adapter redacts every message with the same few.
const CACHE_SIZE = 32
const cache = new Map<string, Redactor>()

function cached(secrets: readonly string[]): Redactor {
  const id = secrets.join('\u0000')
  let r = cache.get(id)
  if (r) {
    cache.delete(id)
  } else {
    r = compile(secrets)
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string)
  }
  cache.set(id, r)
  return r
}

function normalizeSecrets(secrets: Iterable<string | null | undefined>): string[] {
  const out = new Set<string>()
  for (const s of secrets) if (typeof s === 'string' && s.length >= 4) out.add(s)
  return [...out].sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
}

/**
 * A redactor for `secrets` (an API key, credential header values): removes them, the recognisable fragments of
 * them (prefixes of 8+ characters, masked forms, their 8+ character runs in any case) and anything key-shaped
 * (see the rules above). Build it once and call it on every message; about 1 ms per 100 KB of text.
 */
export function createRedactor(secrets: Iterable<string | null | undefined> = []): Redactor {
  const known = normalizeSecrets(secrets)
  const base = cached(known)
  return (text: string): string => {
    if (typeof text !== 'string' || text === '') return text
    // A key-shaped string in the text is a secret too: its runs may recur elsewhere in the text (normalised).
    KEY_LIKE.lastIndex = 0
    if (!KEY_LIKE.test(text)) return base(text)
    const found = [...text.matchAll(KEY_LIKE)].map((m) => (m[1] ?? m[3])!)
    return cached(normalizeSecrets([...known, ...found]))(text)
  }
}

/**
 * Removes the given secrets, their fragments and anything that looks like an API key or bearer token from `text`
 * (see `createRedactor`, which this calls with a cache).
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined | null> = []): string {
  return createRedactor(secrets)(text)
}

/** The redactor `value` carries under `REDACT` (an adapter, or what it attached one to), bound to it. */
export function redactorOf(value: unknown): Redactor | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined
  const own = (value as { [REDACT]?: unknown })[REDACT]
  return typeof own === 'function' ? (text: string) => String((own as Redactor).call(value, text)) : undefined
}

/**
 * Attaches `redact` to `target` under `REDACT` (not enumerable, so it is not copied, compared, snapshotted or
 * serialised), so that whatever renders `target` later removes the same secrets. Returns `target`.
 */
export function attachRedactor<T extends object>(target: T, redact: Redactor | undefined): T {
  if (redact) Object.defineProperty(target, REDACT, { value: redact, enumerable: false, configurable: true })
  return target
}

/** Each given redactor in turn, then the generic rules (key-shaped strings), which always apply. */
export function chainRedactors(...redactors: ReadonlyArray<Redactor | undefined>): Redactor {
  const all = [...redactors.filter((r): r is Redactor => typeof r === 'function'), createRedactor()]
  return (text: string) => all.reduce((t, r) => r(t), text)
}

/** `redactorOf(value)` followed by the generic rules (key-shaped strings), or the generic rules alone. */
export function redactorFor(value: unknown): Redactor {
  return chainRedactors(redactorOf(value))
}
