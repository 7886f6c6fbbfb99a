/**
 * Hearing what the agent really said: a `Transcriber` turns the response's audio into text, independently of the
 * model's own transcript. The default posts the audio as a WAV to OpenAI's `/v1/audio/transcriptions`
 * (multipart/form-data, `gpt-4o-mini-transcribe`).
 */
import { randomBytes } from 'node:crypto'
import { writeWav } from '../audio/wav.js'
import { MalformedModelOutputError } from '../errors/index.js'
import type { Redactor } from '../secrets/redact.js'
import { endpointUrl } from './base-url.js'
import { postToEndpoint } from './http-request.js'

/** Turns PCM16 mono audio into text: yours, or the default (OpenAI's transcription endpoint). */
export type Transcriber = (pcm: Buffer, info: { sampleRate: number }) => string | Promise<string>

export const DEFAULT_HEARING_MODEL = 'gpt-4o-mini-transcribe'

export interface TranscriptionRequest {
  baseURL: string
  headers: Record<string, string>
  ca?: string | Buffer | Array<string | Buffer>
  model: string
  pcm: Buffer
  sampleRate: number
  timeoutMs: number
  redact: Redactor
}

/** A multipart/form-data body: text fields, then one file. */
export function multipartBody(
  fields: Record<string, string>,
  file: { field: string; name: string; type: string; data: Buffer },
): { body: Buffer; contentType: string } {
  const boundary = `----expect-voice-${randomBytes(12).toString('hex')}`
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  }
  parts.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`),
  )
  parts.push(file.data, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** Posts the audio (as a WAV) to `/audio/transcriptions` and returns the text; typed errors for anything else. */
export async function transcribeWithEndpoint(req: TranscriptionRequest): Promise<string> {
  const who = `the transcriber (${req.model})`
  const wav = writeWav(req.pcm, { sampleRate: req.sampleRate })
  const { body, contentType } = multipartBody(
    { model: req.model, response_format: 'json' },
    { field: 'file', name: 'response.wav', type: 'audio/wav', data: wav },
  )
  const answer = await postToEndpoint({
    endpoint: 'audio/transcriptions',
    who,
    url: endpointUrl(req.baseURL, 'audio/transcriptions'),
    headers: req.headers,
    body,
    contentType,
    timeoutMs: req.timeoutMs,
    redact: req.redact,
    ...(req.ca !== undefined ? { ca: req.ca } : {}),
  })
  const answerBody = req.redact(answer.body)
  let parsed: unknown
  try {
    parsed = JSON.parse(answerBody)
  } catch {
    parsed = undefined
  }
  const text = (parsed as { text?: unknown } | undefined)?.text
  if (typeof text !== 'string') {
    const cut = answerBody.length > 300 ? `${answerBody.slice(0, 300)}…` : answerBody
    throw new MalformedModelOutputError(`${who} answered without a "text" string: ${JSON.stringify(cut)}`, 'audio/transcriptions', cut)
  }
  return text
}
