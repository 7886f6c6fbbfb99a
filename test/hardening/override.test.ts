/**
 * Issue 11, finding 6 ("silent misconfiguration"): `fakeServerOptions` was file-scoped, so one file could not give
 * two groups of tests two fake servers. It is test-scoped now: `test.override({ fakeServerOptions })` inside a
 * describe gives that describe a server of its own (shared by its tests); the file's servers close with the file.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runHardeningChild } from '../helpers/child-vitest.js'

describe('finding 6: fakeServerOptions overridden for the file and per describe', () => {
  it('finding 6: each describe is answered by a fake server with its own options', async () => {
    const out = await mkdtemp(join(tmpdir(), 'expect-voice-override-'))
    try {
      const run = await runHardeningChild(['override.voice.ts'], out)
      const results = run.report.testResults.flatMap((f) => f.assertionResults.map((t) => [t.fullName, t.status, t.failureMessages.join('\n').slice(0, 400)]))
      expect(results).toEqual([
        ['uses the file override', 'passed', ''],
        ['booking uses its describe override', 'passed', ''],
        ['booking shares the describe server', 'passed', ''],
        ['weather uses its own describe override', 'passed', ''],
        ['still uses the file override after the describes', 'passed', ''],
      ])
      expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })
})
