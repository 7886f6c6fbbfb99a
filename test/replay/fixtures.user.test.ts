/** The simulated caller through the recording proxy, recorded and replayed (child Vitest runs). */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { byName, closeUpstreams, runChild, startUpstream } from './child-run.js'

afterAll(closeUpstreams)

describe('the user fixture with record and replay', () => {
  it('records the simulated caller through the proxy and replays it with no key and no upstream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'expect-voice-rr-user-'))
    try {
      const upstream = await startUpstream()
      const D = 'a simulated caller books a table'
      const recorded = await runChild('vitest', {
        RR_DIR: dir,
        RR_UPSTREAM: upstream.url,
        EXPECT_VOICE_UPDATE: '1',
        RR_USER: '1',
        OPENAI_API_KEY: 'sk-test-recording-000000000000',
      })
      expect(byName(recorded, D)).toMatchObject({ state: 'passed', errors: [] })
      // Two sessions for that test: the agent and the simulated caller.
      expect(upstream.connections.length).toBeGreaterThanOrEqual(3)
      await upstream.close()
      const replayed = await runChild('vitest', { RR_DIR: dir, RR_USER: '1', EXPECT_VOICE_PACING: 'fast' })
      expect(byName(replayed, D)).toMatchObject({ state: 'passed', errors: [] })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 90_000)
})

// Jest runs the built package (dist/), as consumers do: `npm test` builds first.
