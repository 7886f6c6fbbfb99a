/**
 * The Vitest fixtures in each mode, observed from child Vitest runs of test/replay/fixtures/booking.voice.ts: the
 * message when there is nothing to run against, record (against a fake server standing in for live), replay with
 * no key and no upstream, a mismatch, and a re-recording that changes nothing. (The user fixture and the Jest hooks:
 * fixtures.user.test.ts, fixtures.jest.test.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeRealtimeServer } from '../../src/fake-server/index.js'
import { byName, closeUpstreams, files, root, runChild, startUpstream } from './child-run.js'

afterAll(closeUpstreams)

describe('the Vitest fixtures in each mode', () => {
  let dir = ''
  let upstream: FakeRealtimeServer | null = null
  const A = 'books a table'
  const B = 'talks to the fake agent whatever the environment says'
  const C = 'talks, then fails'
  const json = 'booking.voice.ts/books-a-table.voice.json'
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'expect-voice-rr-recordings-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('no recording, no key, no url: fails saying how to record it and how to use the fake agent', async () => {
    const r = await runChild('vitest', { RR_DIR: dir })
    expect(byName(r, A).state).toBe('failed')
    const message = byName(r, A).errors.join('\n')
    expect(message).toContain('no OPENAI_API_KEY and no `url`')
    expect(message).toContain(`EXPECT_VOICE_UPDATE=1 npx vitest run test/replay/fixtures/booking.voice.ts -t 'books a table'`)
    expect(message).toContain(`${json}) is replayed from then on`)
    expect(message).toContain('EXPECT_VOICE_MODE=fake')
    expect(byName(r, B).state).toBe('passed')
  }, 60_000)

  it('EXPECT_VOICE_UPDATE=1 records a passing test against its url (a fake server standing in for live), not a failing one', async () => {
    upstream = await startUpstream()
    const r = await runChild('vitest', { RR_DIR: dir, RR_UPSTREAM: upstream.url, EXPECT_VOICE_UPDATE: '1', RR_FAIL: '1' })
    expect(byName(r, A).state).toBe('passed')
    expect(byName(r, B).state).toBe('passed')
    expect(byName(r, C).state).toBe('failed')
    expect(Object.keys(await files(dir)).sort()).toEqual([json, json.replace('.json', '.wav')])
    expect(upstream.connections).toHaveLength(2) // A and C: the pinned fake test did not go through it
    await upstream.close()
  }, 60_000)

  it('replays it with no key, no upstream and fast pacing', async () => {
    const r = await runChild('vitest', { RR_DIR: dir, EXPECT_VOICE_PACING: 'fast' })
    expect(byName(r, A)).toMatchObject({ state: 'passed', errors: [] })
  }, 60_000)

  it('fails with a diff naming the first differing event, once, when the test now says something else', async () => {
    const r = await runChild('vitest', { RR_DIR: dir, RR_LINE: 'book a table for six' })
    const test = byName(r, A)
    expect(test.state).toBe('failed')
    expect(test.errors).toHaveLength(1)
    expect(test.errors[0]).toMatch(/First differing event: client event #2, input_audio_buffer\.append \(recorded at \d+\.\d\d s, line \d+\)/)
    expect(test.errors[0]).toContain(`Recording: ${dir.startsWith(root) ? '' : dir}`)
    expect(test.errors[0]).toContain(`EXPECT_VOICE_UPDATE=1 npx vitest run test/replay/fixtures/booking.voice.ts -t 'books a table'`)
  }, 60_000)

  it('re-recording an unchanged test leaves the files as they were', async () => {
    const before = await files(dir)
    upstream = await startUpstream()
    const r = await runChild('vitest', { RR_DIR: dir, RR_UPSTREAM: upstream.url, EXPECT_VOICE_UPDATE: '1' })
    expect(byName(r, A).state).toBe('passed')
    expect(upstream.connections).toHaveLength(1)
    expect(await files(dir)).toEqual(before)
  }, 60_000)
})
