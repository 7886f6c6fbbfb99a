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
