/**
 * What is never written to a recording: the secrets we know (the key the proxy adds upstream, credential headers)
 * and anything that looks like a key, including the masked forms error messages print ("sk-proj-...abcd").
 */
import { setOwn } from '../loopback/frames.js'
import { REDACTED, redactSecrets } from '../secrets/redact.js'

// `sk-…` keys however they are masked: `sk-abc...wxyz`, `sk-proj-********abcd`, `sk-…1234`.
const MASKED_KEY = /\bsk-[A-Za-z0-9_-]{0,40}(?:\.{3}|…|\*{3,})[A-Za-z0-9_*-]{0,40}/g
// Other credentials a payload may carry: `api-key=…`, `"api_key": "…"`, `access_token: …`.
const KEY_VALUE = /\b(api[-_]?key|access[-_]?token)(["']?\s*[:=]\s*["']?)([^\s"'&,;]{8,})/gi

export class Scrubber {
  readonly #secrets: string[]
  readonly #partials: RegExp | null

  constructor(secrets: ReadonlyArray<string | null | undefined>) {
    this.#secrets = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8))].sort((a, b) => b.length - a.length)
    // A known secret's first 8 characters never appear by chance: drop them and whatever masked tail follows
    // ("sk-canar...wxyz" from a server message that masks the key it refuses).
    const heads = this.#secrets.filter((s) => s.length >= 16).map((s) => escapeRegExp(s.slice(0, 8)))
    this.#partials = heads.length ? new RegExp(`(?:${heads.join('|')})[^\\s"'<>]*`, 'g') : null
  }

  /** The text with every secret and key-looking string replaced by `[redacted]`. */
  text(value: string): string {
    let out = redactSecrets(value, this.#secrets)
    if (this.#partials) out = out.replace(this.#partials, REDACTED)
    out = out.replace(MASKED_KEY, REDACTED)
    out = out.replace(KEY_VALUE, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`)
    return out
  }

  /** A deep copy with every string scrubbed (keys too: a key can be a secret in a map of headers). */
  value(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value)
    if (Array.isArray(value)) return value.map((v) => this.value(v))
    if (typeof value !== 'object' || value === null) return value
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) setOwn(out, this.text(k), this.value(v))
    return out
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
