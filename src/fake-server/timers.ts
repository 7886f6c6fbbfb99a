/**
 * Every timer a connection starts goes through one TimerSet, so closing the connection (or the server) clears
 * them all and nothing fires on a dead socket. A callback that throws is reported, never unhandled.
 */

import { performance } from 'node:perf_hooks'

type Handle = { kind: 'timeout'; ref: NodeJS.Timeout } | { kind: 'immediate'; ref: NodeJS.Immediate }

export class TimerSet {
  private readonly handles = new Set<Handle>()
  private disposed = false

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Run `fn` after `ms` (setImmediate when 0, so queued socket input gets its turn first). */
  after(ms: number, fn: () => void): () => void {
    if (this.disposed) return () => {}
    const run = () => {
      this.handles.delete(handle)
      try {
        fn()
      } catch (err) {
        this.onError(err)
      }
    }
    const handle: Handle = ms > 0 ? { kind: 'timeout', ref: setTimeout(run, ms) } : { kind: 'immediate', ref: setImmediate(run) }
    this.handles.add(handle)
    return () => this.cancel(handle)
  }

  /**
   * Run `fn` at `deadline` (a `performance.now()` time), never early: a timer brings it to ~3 ms before (timers
   * can fire ~1 ms early against performance.now, and late by the OS's timer slack), then setImmediate polls.
   * Injected latency has to be exact for latency-measurement tests.
   */
  at(deadline: number, fn: () => void): () => void {
    let cancelCurrent: () => void = () => {}
    let cancelled = false
    const step = () => {
      if (cancelled) return
      const left = deadline - performance.now()
      if (left > 0) {
        cancelCurrent = this.after(left > 4 ? left - 3 : 0, step)
        return
      }
      try {
        fn()
      } catch (err) {
        this.onError(err)
      }
    }
    if (this.disposed) return () => {}
    step()
    return () => {
      cancelled = true
      cancelCurrent()
    }
  }

  private cancel(handle: Handle): void {
    if (!this.handles.delete(handle)) return
    if (handle.kind === 'timeout') clearTimeout(handle.ref)
    else clearImmediate(handle.ref)
  }

  /** Clear everything; later `after` calls are ignored. */
  dispose(): void {
    this.disposed = true
    for (const handle of [...this.handles]) this.cancel(handle)
  }
}
