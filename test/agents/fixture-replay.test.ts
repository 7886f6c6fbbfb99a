/**
 * The `voiceAgent` fixture records and replays like `agent`: in record mode the factory gets the recording proxy's url,
 * in replay mode the replay server's. A RealtimeAgent's tool turn replays offline with the tool running again; a tool
 * whose output changed fails the test with the replay diff. (Child Vitest runs of
 * test/hardening/fixtures/agents-replay.voice.ts.)
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runHardeningChild } from '../helpers/child-vitest.js'

const FILE = 'agents-replay.voice.ts'
let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'expect-voice-agents-rr-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const run = (name: string, env: Record<string, string>) => runHardeningChild([FILE], join(dir, name), { AGENTS_DIR: join(dir, 'recordings'), ...env })
const results = (child: Awaited<ReturnType<typeof run>>) => child.report.testResults.flatMap((f) => f.assertionResults)

describe('voiceAgent: record, then replay a tool turn', () => {
  it('records, replays with the same tool, and fails the replay of a changed tool output', async () => {
    const recorded = await run('record', { AGENTS_MODE: 'record' })
    expect(
      results(recorded).map((r) => r.status),
      recorded.stdout + recorded.stderr,
    ).toEqual(['passed'])
    const files = await readdir(join(dir, 'recordings', FILE))
    expect(files.sort()).toEqual(['books-a-table-through-the-recorded-tool-turn.voice.json', 'books-a-table-through-the-recorded-tool-turn.voice.wav'])

    const replayed = await run('replay', { AGENTS_MODE: 'replay' })
    expect(
      results(replayed).map((r) => r.status),
      replayed.stdout + replayed.stderr,
    ).toEqual(['passed'])

    const changed = await run('changed', { AGENTS_MODE: 'replay', AGENTS_REF: 'X' })
    const [result] = results(changed)
    expect(result?.status).toBe('failed')
    const message = result!.failureMessages.join('\n')
    expect(message).toContain('expect_voice_replay_mismatch')
    expect(message).toContain('function_call_output')
    expect(message).toMatch(/item\.output: .*T2.* → .*X2/)
  }, 60_000)
})
