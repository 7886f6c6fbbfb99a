/**
 * Deterministic ids with the live API's shapes: `event_`, `item_`, `resp_`, `sess_`, `conv_` + 21 alphanumerics,
 * `call_` + 16. Each connection counts from 1, so the same script gives the same ids on every run; the `FAKE`
 * marker makes them easy to tell from live ids in a log.
 */

export type IdKind = 'event' | 'item' | 'resp' | 'call'

function make(prefix: string, length: number, n: number): string {
  const digits = String(n)
  return `${prefix}_FAKE${digits.padStart(length - 4, '0')}`
}

export class IdFactory {
  private readonly counters: Record<IdKind, number> = { event: 0, item: 0, resp: 0, call: 0 }
  readonly session: string
  readonly conversation: string

  constructor(connectionId: number) {
    this.session = make('sess', 21, connectionId)
    this.conversation = make('conv', 21, connectionId)
  }

  next(kind: IdKind): string {
    const n = ++this.counters[kind]
    return make(kind, kind === 'call' ? 16 : 21, n)
  }
}
