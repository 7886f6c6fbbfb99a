import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

/** Answer an upgrade request with a plain HTTP response and close the socket. */
export function writeHttpResponse(socket: Duplex, status: number, body: string, headers: Record<string, string> = {}): void {
  const all: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...headers,
  }
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`, ...Object.entries(all).map(([k, v]) => `${k}: ${v}`)].join('\r\n')
  if (socket.writable) socket.end(`${head}\r\n\r\n${body}`)
  else socket.destroy()
}

/** The request's URL, or null when its request-target is not one (`GET http://[::1 HTTP/1.1` parses as HTTP). */
export function requestUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://127.0.0.1')
  } catch {
    return null
  }
}

/** An OpenAI-style JSON error body. */
export function errorBody(message: string, type = 'invalid_request_error'): string {
  return JSON.stringify({ error: { message, type, code: null, param: null } })
}

/**
 * Answers an upgrade that could not be handled: 400 for a request-target that is not a URL, 500 (naming the
 * error) when handling it threw. The socket is ended either way; nothing escapes the 'upgrade' handler.
 */
export function refuseUpgrade(socket: Duplex, what: string, problem: { badTarget: string } | { error: unknown }): void {
  try {
    if ('badTarget' in problem) {
      writeHttpResponse(socket, 400, errorBody(`expect-voice ${what}: the request-target ${JSON.stringify(problem.badTarget.slice(0, 200))} is not a URL.`))
    } else {
      const message = problem.error instanceof Error ? `${problem.error.name}: ${problem.error.message}` : String(problem.error)
      writeHttpResponse(socket, 500, errorBody(`expect-voice ${what} failed to handle the upgrade: ${message}`, 'server_error'))
    }
  } catch {
    socket.destroy()
  }
}
