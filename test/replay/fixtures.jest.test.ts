/** The Jest hooks in each mode (child Jest runs of test/replay/fixtures/booking.voice.cjs). */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeRealtimeServer } from '../../src/fake-server/index.js'
import { byName, closeUpstreams, files, root, runChild, startUpstream } from './child-run.js'

afterAll(closeUpstreams)

describe.runIf(existsSync(join(root, 'dist/jest.cjs')))('the Jest hooks in each mode', () => {
  let dir = ''
  let upstream: FakeRealtimeServer | null = null
  const json = 'booking.voice.cjs/booking-books-a-table.voice.json'
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'expect-voice-rr-jest-'))
    upstream = await startUpstream()
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('records only a passing test, replays it offline, and fails with a diff when the input changed', async () => {
    const recording = await runChild('jest', { RR_DIR: dir, RR_UPSTREAM: upstream!.url, EXPECT_VOICE_UPDATE: '1', RR_FAIL: '1' })
    expect(byName(recording, 'books a table'), recording.output).toMatchObject({ state: 'passed' })
    expect(byName(recording, 'talks, then fails').state).toBe('failed')
    expect(Object.keys(await files(dir)).sort()).toEqual([json, json.replace('.json', '.wav')])
    await upstream!.close()

    const replayed = await runChild('jest', { RR_DIR: dir })
    expect(byName(replayed, 'books a table'), replayed.output).toMatchObject({ state: 'passed' })

    const changed = await runChild('jest', { RR_DIR: dir, RR_LINE: 'book a table for six' })
    expect(byName(changed, 'books a table').state).toBe('failed')
    const message = byName(changed, 'books a table').errors.join('\n')
    expect(message).toMatch(/First differing event: client event #2, input_audio_buffer\.append/)
    expect(message).toContain(`EXPECT_VOICE_UPDATE=1 npx jest test/replay/fixtures/booking.voice.cjs -t '^booking books a table$'`)
  }, 120_000)
})
