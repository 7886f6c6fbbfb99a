import { describe, expect, it } from 'vitest'
import { Timeline } from '../../src/conversation/timeline.js'

describe('Timeline', () => {
  it('keeps consecutive outgoing appends as one entry with their count and total bytes', () => {
    const t = new Timeline(100)
    t.push({ direction: 'out', type: 'input_audio_buffer.append', at: 1, bytes: 960 })
    t.push({ direction: 'out', type: 'input_audio_buffer.append', at: 2, bytes: 960 })
    t.push({ direction: 'out', type: 'input_audio_buffer.append', at: 3, bytes: 480 })
    t.push({ direction: 'out', type: 'input_audio_buffer.commit', at: 4 })
    t.push({ direction: 'out', type: 'input_audio_buffer.append', at: 5, bytes: 100 })
    expect(t.entries).toEqual([
      { direction: 'out', type: 'input_audio_buffer.append', at: 1, bytes: 2400, count: 3 },
      { direction: 'out', type: 'input_audio_buffer.commit', at: 4 },
      { direction: 'out', type: 'input_audio_buffer.append', at: 5, bytes: 100 },
    ])
  })

  it('drops the oldest entries in blocks beyond its limit and counts them', () => {
    const t = new Timeline(10)
    for (let i = 0; i < 25; i++) t.push({ direction: 'in', type: `e${i}`, at: i })
    expect(t.entries.length).toBeLessThanOrEqual(10)
    expect(t.entries.at(-1)!.type).toBe('e24')
    expect(t.dropped + t.entries.length).toBe(25)
  })

  it('summarises incoming events since a time, compressing runs', () => {
    const t = new Timeline(100)
    t.push({ direction: 'in', type: 'response.created', at: 10 })
    t.push({ direction: 'in', type: 'response.output_audio.delta', at: 11 })
    t.push({ direction: 'in', type: 'response.output_audio.delta', at: 12 })
    t.push({ direction: 'out', type: 'response.cancel', at: 13 })
    expect(t.summarizeSince(10)).toEqual(['response.created', 'response.output_audio.delta ×2'])
    expect(t.summarizeSince(12)).toEqual(['response.output_audio.delta'])
  })
})
