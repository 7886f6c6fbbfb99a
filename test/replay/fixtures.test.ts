/**
 * The fixtures in each mode, observed from child Vitest and Jest runs of test/replay/fixtures/booking.voice.*:
 * the message when there is nothing to run against, record (against a fake server standing in for live), replay
 * with no key and no upstream, a mismatch, and a re-recording that changes nothing.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakeRealtimeServer, type FakeRealtimeServer } from '../../src/fake-server/index.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

interface ChildResult {
  tests: Array<{ name: string; state: string; errors: string[] }>
  output: string
}

async function runChild(runner: 'vitest' | 'jest', env: Record<string, string>): Promise<ChildResult> {
  const dir = await mkdtemp(join(tmpdir(), 'expect-voice-rr-child-'))
  const report = join(dir, 'report.json')
  const args =
    runner === 'vitest'
      ? [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/replay/fixtures/vitest.config.ts', '--reporter=json', `--outputFile=${report}`]
      : [join(root, 'node_modules/jest/bin/jest.js'), '--config', 'test/replay/fixtures/jest.config.cjs', '--json', `--outputFile=${report}`]
  try {
    const output = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        args,
        {
          cwd: root,
          timeout: 60_000,
          env: {
            ...process.env,
            OPENAI_API_KEY: '',
            EXPECT_VOICE_MODE: '',
            EXPECT_VOICE_UPDATE: '',
            EXPECT_VOICE_PACING: '',
            RR_UPSTREAM: '',
            RR_LINE: '',
            RR_FAIL: '',
            // These tests fail on purpose: no failure recordings (WAV + timeline) in the project's .voice-artifacts.
            EXPECT_VOICE_ARTIFACTS: 'off',
            FORCE_COLOR: '0',
            NO_COLOR: '1',
            ...env,
          },
        },
        (_err, stdout, stderr) => resolve(stdout + stderr),
      )
    })
    const json = JSON.parse(await readFile(report, 'utf8')) as {
      testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>
    }
    const tests = json.testResults.flatMap((f) => f.assertionResults.map((t) => ({ name: t.title, state: t.status, errors: t.failureMessages })))
    return { tests, output }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const byName = (r: ChildResult, name: string) => {
  const test = r.tests.find((t) => t.name === name)
  if (!test) throw new Error(`no test "${name}" in the child run:\n${r.output}`)
  return test
}

async function files(dir: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {}
  const walk = async (d: string, prefix: string) => {
    if (!existsSync(d)) return
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(d, entry.name), `${prefix}${entry.name}/`)
      else out[`${prefix}${entry.name}`] = await readFile(join(d, entry.name))
    }
  }
  await walk(dir, '')
  return out
}

const upstreamOptions = {
  // The simulated caller's session is told "Repeat exactly: <line>"; it answers with the line, as a live model would.
  reply: ({ userText }: { userText: string | null }) =>
    userText?.startsWith('Repeat exactly: ')
      ? userText.slice('Repeat exactly: '.length)
      : /table/.test(userText ?? '')
        ? 'Sure, your table for 2 is booked.'
        : 'You are welcome.',
  latencyMs: 80,
}

const started: FakeRealtimeServer[] = []
async function startUpstream(): Promise<FakeRealtimeServer> {
  const server = await createFakeRealtimeServer(upstreamOptions)
  started.push(server)
  return server
}
afterAll(async () => {
  for (const server of started) await server.close()
})

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
