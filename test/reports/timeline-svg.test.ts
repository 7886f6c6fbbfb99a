import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResponseRecord, TurnRecord } from '../../src/index.js'
import { tone } from '../../src/audio.js'
import { layoutConversation, renderTimelineSvg } from '../../src/reports.js'
import { responseRecord, turnRecord } from '../helpers/builders.js'
import { parseXml, select, textOf } from '../helpers/xml.js'

function turn(index: number, audioMs: number, endedAt: number, response: ResponseRecord, text: string | null = null): TurnRecord {
  const audio = audioMs ? [tone(300, audioMs, { amplitude: 0.3 }).data] : []
  return turnRecord(index, audioMs ? 'audio' : 'text', { text, audio, transcription: audioMs ? 'book a table for two' : null, endedAt, response })
}

/** A response whose 100 ms tone chunks (the builder's default) arrived at the given instants. */
function response(arrivals: number[], transcript: string, extra: Partial<ResponseRecord> = {}): ResponseRecord {
  return responseRecord(arrivals, { transcript, ...extra })
}

const KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz012345'

function conversation() {
  return layoutConversation({
    turns: [
      turn(0, 1200, 5000, response([5250, 5251, 5252, 5253], `Sure <b>Tom & "Jerry"</b>'s table, key ${KEY}`)),
      turn(1, 0, 5300, response([5400, 5401, 5480, 5500], 'This is a long answer', { interruptedAt: 5402, status: 'cancelled' }), 'stop'),
    ],
  })
}

describe('renderTimelineSvg', () => {
  it('is well-formed SVG with both lanes, waveforms, turn boundaries, latencies and the interrupt', () => {
    const svg = renderTimelineSvg(conversation(), { title: 'booking > books a table <fails>', subtitle: 'failed' })
    const root = parseXml(svg)
    expect(root.name).toBe('svg')
    expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg')
    expect(Number(root.attributes.width)).toBeGreaterThanOrEqual(640)
    expect(root.attributes.viewBox).toBe(`0 0 ${root.attributes.width} ${root.attributes.height}`)
    expect(textOf(select(root, 'title')[0]!)).toBe('booking > books a table <fails>')

    expect(select(root, 'g', { id: 'user-lane' })).toHaveLength(1)
    expect(select(root, 'g', { id: 'agent-lane' })).toHaveLength(1)
    const waves = select(root, 'path', { cls: 'waveform' })
    expect(waves).toHaveLength(2)
    for (const w of waves) expect(w.attributes.d).toMatch(/^(M[\d.]+ [\d.]+V[\d.]+)+$/)
    expect(select(root, 'line', { cls: 'turn-boundary' })).toHaveLength(2)

    const firstAudio = select(root, 'g', { cls: 'first-audio' }).map(textOf)
    expect(firstAudio).toEqual(['first audio 250 ms', 'first audio 100 ms'])
    expect(select(root, 'g', { cls: 'first-speech' }).map(textOf)[0]).toMatch(/^first speech 25\d ms$/)

    expect(select(root, 'line', { cls: 'interrupt' })).toHaveLength(1)
    const after = select(root, 'rect', { cls: 'after-interrupt' })
    expect(after).toHaveLength(1)
    expect(textOf(after[0]!)).toBe('200 ms of audio after the interrupt, 200 ms of it speech')

    // One line of timings per turn, wrapped at its " · " separators.
    const summary = select(root, 'g', { id: 'summary' })[0]!
      .children.map(textOf)
      .join(' · ')
      .split(/ · (?=turn \d)/)
    expect(summary[0]).toMatch(
      /^turn 1 \(audio\) “book a table for two”: first audio 250 ms · first speech 25\d ms · leading silence \d ms · 400 ms of agent audio · response completed$/,
    )
    expect(summary[1]).toMatch(/^turn 2 \(text\) “stop”: first audio 100 ms .* response cancelled · after the interrupt: 200 ms of audio, 200 ms speech$/)
  })

  it('escapes what was said and never writes a key', () => {
    const svg = renderTimelineSvg(conversation())
    expect(svg).not.toContain(KEY)
    const said = select(parseXml(svg), 'text', { cls: 'agent' })[0]!
    expect(said.text).toMatch(/^“Sure <b>Tom & "Jerry"<\/b>'s/)
    // The label is cut to fit; its tooltip holds the whole transcript.
    expect(textOf(select(said, 'title')[0]!)).toBe(`Sure <b>Tom & "Jerry"</b>'s table, key [redacted]`)
  })

  it('renders an empty conversation, and long or odd text stays well-formed', () => {
    const empty = parseXml(renderTimelineSvg(layoutConversation({ turns: [] })))
    expect(textOf(select(empty, 'g', { id: 'summary' })[0]!)).toContain('No turns')
    const odd = renderTimelineSvg(layoutConversation({ turns: [turn(0, 300, 100, response([400], `${'😀'.repeat(400)}\u0000\u0007 \ud800 end`))] }), {
      title: '\u001b[31mred\u001b[0m 🎉'.repeat(50),
    })
    expect(() => parseXml(odd)).not.toThrow()
  })
})

function which(bin: string): Promise<boolean> {
  return new Promise((resolve) => execFile('sh', ['-c', `command -v ${bin}`], (err) => resolve(!err)))
}

// Optional: needs `rsvg-convert` (Debian/Ubuntu: apt-get install -y librsvg2-bin). Skipped, visibly, without it.
const hasRsvg = await which('rsvg-convert')
describe.skipIf(!hasRsvg)('timeline rendering with rsvg-convert (apt-get install -y librsvg2-bin)', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'expect-voice-svg-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('renders to a PNG of the declared size', async () => {
    const svg = renderTimelineSvg(conversation(), { title: 'books a table' })
    const root = parseXml(svg)
    await writeFile(join(dir, 't.svg'), svg)
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile('rsvg-convert', ['-o', join(dir, 't.png'), join(dir, 't.svg')], { timeout: 20_000 }, (err, _out, errOut) =>
        err ? reject(new Error(`rsvg-convert failed: ${errOut || err.message}`)) : resolve(errOut),
      ),
    )
    expect(stderr).toBe('')
    const png = await readFile(join(dir, 't.png'))
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    expect(png.toString('latin1', 12, 16)).toBe('IHDR')
    expect(png.readUInt32BE(16)).toBe(Number(root.attributes.width))
    expect(png.readUInt32BE(20)).toBe(Number(root.attributes.height))
    // Waveforms and labels compress far worse than a blank page of the same size.
    expect(png.length).toBeGreaterThan(8000)
  })
})
