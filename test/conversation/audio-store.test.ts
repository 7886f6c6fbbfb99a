import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AudioStore, appendAudio } from '../../src/conversation/audio-store.js'

const pcm = (bytes: number, seed = 1) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 31 + seed) & 255))

describe('AudioStore', () => {
  it('copies: later writes to the source do not change the recorded bytes', () => {
    const store = new AudioStore()
    const source = pcm(960)
    const copy = store.copy(source)
    source.fill(0)
    expect(copy.equals(pcm(960))).toBe(true)
  })

  it('packs chunks into shared slabs, 8-byte aligned, without overlap', () => {
    const store = new AudioStore()
    const chunks = Array.from({ length: 200 }, (_, i) => store.copy(pcm(962 + (i % 3) * 2, i)))
    expect(new Set(chunks.map((c) => c.buffer)).size).toBeLessThan(5)
    chunks.forEach((c, i) => {
      expect(c.byteOffset % 8).toBe(0)
      expect(c.equals(pcm(962 + (i % 3) * 2, i))).toBe(true)
    })
  })

  it('gives a large chunk its own memory', () => {
    const store = new AudioStore()
    const big = store.copy(pcm(200_000))
    expect(big.byteOffset).toBe(0)
    expect(big.buffer.byteLength).toBe(200_000)
  })

  it('decodes base64 exactly as Buffer.from does, for any text', () => {
    const store = new AudioStore()
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 9000 }).map((b) => Buffer.from(b).toString('base64')),
          fc.string({ maxLength: 64 }),
        ),
        (text) => {
          expect(store.decodeBase64(text).equals(Buffer.from(text, 'base64'))).toBe(true)
        },
      ),
    )
    for (const text of ['', 'Q', 'QQ==', 'QUI=', 'QU JD', 'QU\nJD', 'QUJD-_', 'QUJD====QUJD', 'QUJD\u0001', 'QUJDQU\u00e9JD']) {
      expect(store.decodeBase64(text).equals(Buffer.from(text, 'base64'))).toBe(true)
    }
  })
})

describe('appendAudio', () => {
  it('merges consecutive copies and keeps the bytes in order', () => {
    const store = new AudioStore()
    const list: Buffer[] = []
    const sent = Array.from({ length: 50 }, (_, i) => pcm(960, i))
    for (const chunk of sent) appendAudio(list, store.copy(chunk))
    expect(list.length).toBeLessThan(3)
    expect(Buffer.concat(list).equals(Buffer.concat(sent))).toBe(true)
  })

  it('does not merge chunks that are not adjacent', () => {
    const store = new AudioStore()
    const list: Buffer[] = []
    appendAudio(list, store.copy(pcm(960, 1)))
    store.copy(pcm(480, 2)) // someone else's chunk in between
    appendAudio(list, store.copy(pcm(960, 3)))
    expect(list).toHaveLength(2)
    expect(Buffer.concat(list).equals(Buffer.concat([pcm(960, 1), pcm(960, 3)]))).toBe(true)
  })
})
