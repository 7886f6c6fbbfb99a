/**
 * Connection-level fault injection shared by the server and its connections. Response-level faults
 * (closeAfterDeltas, malformedFrames, responseStatus) live in the responder, where the stream is.
 */
import type { WebSocket } from 'ws'
import type { ResolvedOptions } from './options.js'

/** Close from the server side. 1006 is not a code one may send: it means "destroy, no close frame". */
export function closeSocket(ws: WebSocket, code = 1000, reason = ''): void {
  if (code === 1006) {
    ws.terminate()
    return
  }
  if (ws.readyState === ws.CLOSED || ws.readyState === ws.CLOSING) return
  ws.close(code, reason)
}

/** `errorOnResponseCreate`, as a complete error body, or null. */
export function responseCreateError(options: ResolvedOptions): { type: string; code: string | null; message: string; param: string | null } | null {
  const fault = options.faults.errorOnResponseCreate
  if (!fault) return null
  return { type: fault.type, code: fault.code ?? null, message: fault.message, param: fault.param ?? null }
}
