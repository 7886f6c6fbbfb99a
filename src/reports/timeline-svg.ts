import { chainRedactors, redactorOf, type Redactor } from '../secrets/redact.js'
import type { ConversationLayout, ResponseLayout, TurnLayout } from './layout.js'

export interface TimelineSvgOptions {
  /** Heading, e.g. the test's name. */
  title?: string
  /** A second line under the heading, e.g. "failed" or the WAV file name. */
  subtitle?: string
  /**
   * Removes secrets from every text of the picture, in addition to the redactor the layout carries (a layout of an
   * adapter's conversation removes that adapter's key and credential headers) and the rules for key-shaped strings.
   */
  redact?: Redactor
}

const MARGIN_LEFT = 74
const MARGIN_RIGHT = 24
const LANE_HEIGHT = 84
const USER_TOP = 78
const AGENT_TOP = USER_TOP + LANE_HEIGHT + 52
const AXIS_Y = AGENT_TOP + LANE_HEIGHT + 18
const SUMMARY_TOP = AXIS_Y + 44
const LINE = 17
const CHAR_PX = 6.2 // average glyph width of the 11 px sans-serif labels

const COLOURS = {
  user: '#2563eb',
  agent: '#059669',
  lane: '#f3f4f6',
  grid: '#d1d5db',
  text: '#111827',
  muted: '#6b7280',
  latency: '#7c3aed',
  interrupt: '#dc2626',
}

/**
 * Draws the conversation: the user's and the agent's waveforms on two lanes, the end of every user turn, the latency
 * to the first audio and to the first speech, the interrupt and the audio that came after it, what was said, and
 * one line of timings per turn. Plain SVG 1.1 (no scripts, no external resources), so browsers and `rsvg-convert`
 * render it.
 */
export function renderTimelineSvg(source: ConversationLayout, options: TimelineSvgOptions = {}): string {
  const redact = chainRedactors(options.redact, redactorOf(source))
  // Every text is redacted before it is shortened to fit (a cut-off key would be harder to recognise).
  const layout = redactTexts(source, redact)
  const duration = Math.max(layout.durationMs, 1)
  const plotWidth = Math.round(Math.min(3000, Math.max(640, (duration / 1000) * 160)))
  const width = MARGIN_LEFT + plotWidth + MARGIN_RIGHT
  const summaries = layout.turns.map(summaryLine)
  const summaryLines = summaries.flatMap((line) => wrap(clean(line), (width - 24) / CHAR_PX))
  const height = SUMMARY_TOP + Math.max(1, summaryLines.length) * LINE + 16
  const x = (ms: number) => round(MARGIN_LEFT + (ms / duration) * plotWidth)
  const out: string[] = []
  const title = clean(redact(options.title ?? 'Voice conversation'))

  out.push(
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<desc>${esc(summaries.join('\n') || 'no turns')}</desc>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text id="title" x="12" y="22" font-size="15" font-weight="bold" fill="${COLOURS.text}">${esc(fitText(title, (width - 24) / 8.4))}</text>`,
  )
  const subtitle = [
    options.subtitle === undefined ? undefined : redact(options.subtitle),
    `${formatMs(layout.durationMs)} · user: left channel, agent: right channel`,
  ]
    .filter(Boolean)
    .join(' · ')
  out.push(`<text id="subtitle" x="12" y="40" fill="${COLOURS.muted}">${esc(fitText(clean(subtitle), (width - 24) / CHAR_PX))}</text>`)

  // Time axis and grid.
  const step = tickStep(duration, plotWidth)
  out.push(`<g id="axis" stroke="${COLOURS.grid}" fill="${COLOURS.muted}">`)
  out.push(`<line x1="${MARGIN_LEFT}" y1="${AXIS_Y}" x2="${MARGIN_LEFT + plotWidth}" y2="${AXIS_Y}"/>`)
  for (let t = 0; t <= duration + 0.5; t += step) {
    const tx = x(t)
    out.push(`<line x1="${tx}" y1="${USER_TOP - 6}" x2="${tx}" y2="${AXIS_Y + 4}" stroke-opacity="0.45"/>`)
    out.push(`<text x="${tx}" y="${AXIS_Y + 16}" text-anchor="middle" stroke="none">${esc(formatTick(t, step))}</text>`)
  }
  out.push(`</g>`)

  // Lanes with waveforms.
  for (const [id, top, samples, colour, label] of [
    ['user-lane', USER_TOP, layout.user, COLOURS.user, 'user'],
    ['agent-lane', AGENT_TOP, layout.agent, COLOURS.agent, 'agent'],
  ] as const) {
    const mid = top + LANE_HEIGHT / 2
    out.push(`<g id="${id}">`)
    out.push(`<rect x="${MARGIN_LEFT}" y="${top}" width="${plotWidth}" height="${LANE_HEIGHT}" fill="${COLOURS.lane}"/>`)
    out.push(`<text x="${MARGIN_LEFT - 10}" y="${mid + 4}" text-anchor="end" font-weight="bold" fill="${colour}">${label}</text>`)
    out.push(`<line x1="${MARGIN_LEFT}" y1="${mid}" x2="${MARGIN_LEFT + plotWidth}" y2="${mid}" stroke="${colour}" stroke-opacity="0.35"/>`)
    const d = waveformPath(samples, plotWidth, MARGIN_LEFT, mid, LANE_HEIGHT / 2 - 4)
    if (d) out.push(`<path class="waveform" d="${d}" stroke="${colour}" stroke-width="1" fill="none"/>`)
    out.push(`</g>`)
  }

  // Turns: boundaries, what was said, latencies, interrupts.
  for (const turn of layout.turns) out.push(...turnMarks(turn, x))

  // One line of timings per turn.
  out.push(`<g id="summary" fill="${COLOURS.text}">`)
  summaryLines.forEach((line, i) => {
    out.push(`<text x="${line.startsWith(' ') ? 28 : 12}" y="${SUMMARY_TOP + i * LINE}">${esc(line.trim())}</text>`)
  })
  if (!summaries.length) out.push(`<text x="12" y="${SUMMARY_TOP}" fill="${COLOURS.muted}">No turns: nothing was said to the agent.</text>`)
  out.push(`</g>`, `</svg>`, '')
  // A last pass over the whole document, for whatever text is added here later.
  return redact(out.join('\n'))
}

/** The layout with every text (what was said, tool names) redacted; the audio is shared, not copied. */
function redactTexts(layout: ConversationLayout, redact: Redactor): ConversationLayout {
  const response = (r: ResponseLayout | null): ResponseLayout | null =>
    r && { ...r, transcript: redact(r.transcript), toolCalls: r.toolCalls.map((t) => redact(t)) }
  return {
    ...layout,
    turns: layout.turns.map((t) => ({ ...t, userText: t.userText === null ? null : redact(t.userText), response: response(t.response) })),
  }
}

function turnMarks(turn: TurnLayout, x: (ms: number) => number): string[] {
  const out: string[] = [`<g class="turn" id="turn-${turn.index + 1}">`]
  const n = turn.index + 1
  const r = turn.response
  const userText = turn.userText ?? (turn.input === 'text' ? '(tool result)' : null)
  if (turn.ended) {
    const bx = x(turn.userEndMs)
    out.push(
      `<line class="turn-boundary" x1="${bx}" y1="${USER_TOP - 22}" x2="${bx}" y2="${AXIS_Y}" stroke="${COLOURS.text}" stroke-dasharray="4 3" stroke-opacity="0.7"/>`,
      `<text x="${bx + 3}" y="${USER_TOP - 12}" fill="${COLOURS.text}">end of turn ${n}</text>`,
    )
  }
  if (userText) {
    const ux = x(turn.userStartMs)
    const room = Math.max(24, (r?.firstAudioMs !== null && r?.firstAudioMs !== undefined ? x(r.firstAudioMs) : x(turn.userEndMs) + 240) - ux)
    const prefix = turn.input === 'text' ? 'typed: ' : ''
    out.push(
      `<text class="said user" x="${ux + 2}" y="${USER_TOP + LANE_HEIGHT + 14}" fill="${COLOURS.user}">${esc(fitText(`${prefix}“${clean(userText)}”`, room / CHAR_PX))}` +
        `<title>${esc(fitText(clean(userText), 4000))}</title></text>`,
    )
  }
  if (r) {
    if (r.firstAudioMs !== null) {
      const ax = x(r.firstAudioMs)
      const room = Math.max(24, x(r.audioEndMs ?? r.firstAudioMs) - ax + 200)
      const words = r.transcript ? `“${clean(r.transcript)}”` : '(no transcript)'
      const marks = [r.status !== 'completed' ? `[${r.status}]` : '', r.toolCalls.length ? `[tool call ${r.toolCalls.join(', ')}]` : '']
        .filter(Boolean)
        .join(' ')
      out.push(
        `<text class="said agent" x="${ax + 2}" y="${AGENT_TOP + LANE_HEIGHT + 14}" fill="${COLOURS.agent}">${esc(fitText(`${words}${marks ? ` ${marks}` : ''}`, room / CHAR_PX))}` +
          `<title>${esc(fitText(clean(r.transcript), 4000))}</title></text>`,
      )
    } else {
      const label = r.toolCalls.length ? `tool call ${r.toolCalls.join(', ')} (no audio)` : `no audio (${r.status})`
      out.push(`<text class="said agent" x="${x(turn.userEndMs) + 4}" y="${AGENT_TOP + LANE_HEIGHT / 2 + 4}" fill="${COLOURS.muted}">${esc(label)}</text>`)
    }
    if (r.latencyMs !== null && r.firstAudioMs !== null) {
      out.push(...bracket('latency first-audio', x(turn.userEndMs), x(r.firstAudioMs), AGENT_TOP - 34, `first audio ${formatMs(r.latencyMs)}`))
    }
    if (r.speechLatencyMs !== null && r.firstSpeechMs !== null) {
      out.push(...bracket('latency first-speech', x(turn.userEndMs), x(r.firstSpeechMs), AGENT_TOP - 14, `first speech ${formatMs(r.speechLatencyMs)}`))
    }
    if (r.interruptMs !== null) {
      const ix = x(r.interruptMs)
      if (r.afterInterrupt) {
        const ax = x(r.afterInterrupt.startMs)
        const w = Math.max(1, x(r.afterInterrupt.endMs) - ax)
        out.push(
          `<rect class="after-interrupt" x="${ax}" y="${AGENT_TOP}" width="${round(w)}" height="${LANE_HEIGHT}" fill="${COLOURS.interrupt}" fill-opacity="0.14">` +
            `<title>${esc(`${formatMs(r.afterInterrupt.audioMs)} of audio after the interrupt, ${formatMs(r.afterInterrupt.speechMs)} of it speech`)}</title></rect>`,
          `<text x="${ax + 3}" y="${AGENT_TOP + 13}" fill="${COLOURS.interrupt}">${esc(
            `${formatMs(r.afterInterrupt.audioMs)} after the interrupt, ${formatMs(r.afterInterrupt.speechMs)} speech`,
          )}</text>`,
        )
      }
      out.push(
        `<line class="interrupt" x1="${ix}" y1="${USER_TOP - 6}" x2="${ix}" y2="${AXIS_Y}" stroke="${COLOURS.interrupt}" stroke-width="2"/>`,
        `<text x="${ix + 3}" y="${USER_TOP + 12}" fill="${COLOURS.interrupt}" font-weight="bold">interrupt</text>`,
      )
    }
  }
  out.push(`</g>`)
  return out
}

/** A horizontal measurement between two x positions, with end ticks and a label. */
function bracket(cls: string, x1: number, x2: number, y: number, label: string): string[] {
  const end = Math.max(x2, x1 + 1)
  return [
    `<g class="${cls}" stroke="${COLOURS.latency}" fill="${COLOURS.latency}">`,
    `<line x1="${x1}" y1="${y}" x2="${end}" y2="${y}" stroke-width="1.5"/>`,
    `<line x1="${x1}" y1="${y - 4}" x2="${x1}" y2="${y + 4}"/>`,
    `<line x1="${end}" y1="${y - 4}" x2="${end}" y2="${y + 4}"/>`,
    `<text x="${end + 4}" y="${y + 4}" stroke="none">${esc(label)}</text>`,
    `</g>`,
  ]
}

/** Min/max envelope, one vertical stroke per pixel column that holds sound. */
function waveformPath(samples: Int16Array, width: number, left: number, mid: number, half: number): string {
  if (!samples.length) return ''
  const parts: string[] = []
  for (let col = 0; col < width; col++) {
    const from = Math.floor((col * samples.length) / width)
    const to = Math.max(from + 1, Math.floor(((col + 1) * samples.length) / width))
    let lo = 0
    let hi = 0
    for (let i = from; i < to && i < samples.length; i++) {
      const v = samples[i]!
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    if (lo === 0 && hi === 0) continue
    let y1 = mid - (hi / 32768) * half
    let y2 = mid - (lo / 32768) * half
    if (y2 - y1 < 1) {
      y1 -= 0.5
      y2 += 0.5
    }
    parts.push(`M${left + col + 0.5} ${round(y1)}V${round(y2)}`)
  }
  return parts.join('')
}

function summaryLine(turn: TurnLayout): string {
  const n = turn.index + 1
  const r = turn.response
  const said = turn.userText ? ` “${clean(turn.userText)}”` : ''
  const head = `turn ${n} (${turn.input})${said}`
  if (!turn.ended) return `${head}: not ended (the audio was never committed)`
  if (!r) return `${head}: no response`
  const parts = [
    `first audio ${r.latencyMs === null ? '—' : formatMs(r.latencyMs)}`,
    `first speech ${r.speechLatencyMs === null ? '—' : formatMs(r.speechLatencyMs)}`,
    r.leadingSilenceMs !== null ? `leading silence ${formatMs(r.leadingSilenceMs)}` : null,
    `${formatMs(r.audioMs)} of agent audio`,
    `response ${r.status}`,
    r.afterInterrupt
      ? `after the interrupt: ${formatMs(r.afterInterrupt.audioMs)} of audio, ${formatMs(r.afterInterrupt.speechMs)} speech`
      : r.interruptMs !== null
        ? 'nothing after the interrupt'
        : null,
  ].filter(Boolean)
  return `${head}: ${parts.join(' · ')}`
}

function tickStep(duration: number, plotWidth: number): number {
  for (const step of [100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000]) {
    if ((step / duration) * plotWidth >= 64) return step
  }
  return 600_000
}

function formatTick(ms: number, step: number): string {
  if (step < 1000) return `${(ms / 1000).toFixed(step % 1000 === 0 ? 0 : step % 100 === 0 ? 1 : 2)} s`
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}:${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}`
  return `${Math.round(ms / 1000)} s`
}

function formatMs(ms: number): string {
  if (Math.abs(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.round(ms)} ms`
}

function round(v: number): number {
  return Math.round(v * 10) / 10
}

/** One line of printable text (its secrets were removed by `redactTexts`). */
function clean(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f\ufffe\uffff]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

/** Splits a summary line at its " · " separators to fit; continuation lines start with a space. */
function wrap(text: string, maxChars: number): string[] {
  const n = Math.max(20, Math.floor(maxChars))
  const parts = text.split(' · ')
  const lines: string[] = []
  let line = ''
  for (const part of parts) {
    const next = line ? `${line} · ${part}` : part
    if (next.length <= n || !line) line = next
    else {
      lines.push(line)
      line = ` ${part}`
    }
  }
  if (line) lines.push(line)
  return lines.map((l) => (l.length > n ? fitText(l, n) : l))
}

function fitText(text: string, maxChars: number): string {
  const n = Math.max(4, Math.floor(maxChars))
  return text.length > n ? `${text.slice(0, n - 1)}…` : text
}

/** XML text and attribute escaping; drops code points XML 1.0 forbids (and lone surrogates). */
export function esc(text: string): string {
  return text
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}
