/**
 * The HTTP side of the local servers (fake server, replay server, recording proxy): request bodies read with a
 * bound, JSON answers, and the multipart/form-data of an audio upload read into its fields.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Largest request body read: the transcription endpoint takes files up to 25 MB. */
export const MAX_REQUEST_BYTES = 26 * 1024 * 1024

/** The body, or null when it is larger than `maxBytes` (the rest is drained, not kept). */
export function readRequestBody(req: IncomingMessage, maxBytes = MAX_REQUEST_BYTES): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooBig = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) tooBig = true
      if (!tooBig) chunks.push(chunk)
    })
    req.on('end', () => resolve(tooBig ? null : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), connection: 'close' })
  res.end(text)
}

/** The path a request asks for, without the query: `/v1/responses`. */
export function requestPath(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/'
}

export interface MultipartPart {
  name: string
  filename?: string
  contentType?: string
  data: Buffer
}

/** The parts of a multipart/form-data body, or null when it is not one (no boundary, no closing delimiter). */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartPart[] | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '')
  const boundary = m?.[1] ?? m?.[2]
  if (!boundary || !/^multipart\/form-data/i.test(contentType ?? '')) return null
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: MultipartPart[] = []
  let pos = body.indexOf(delimiter)
  if (pos < 0) return null
  for (;;) {
    pos += delimiter.length
    if (body.subarray(pos, pos + 2).toString() === '--') return parts
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2
    const headerEnd = body.indexOf('\r\n\r\n', pos)
    if (headerEnd < 0) return null
    const headers = body.subarray(pos, headerEnd).toString('utf8')
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4)
    if (next < 0) return null
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? ''
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1]
    if (name !== undefined) {
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1]
      const type = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim()
      parts.push({ name, ...(filename !== undefined ? { filename } : {}), ...(type ? { contentType: type } : {}), data: body.subarray(headerEnd + 4, next) })
    }
    pos = next + 2
  }
}
