/**
 * Child Vitest and Jest runs of test/replay/fixtures/booking.voice.* for the record/replay fixture tests
 * (fixtures*.test.ts, split so their child runs go side by side in two workers), and the fake server standing in
 * for live.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createFakeRealtimeServer, type FakeRealtimeServer } from '../../src/fake-server/index.js'

export const root = fileURLToPath(new URL('../..', import.meta.url))

export interface ChildResult {
  tests: Array<{ name: string; state: string; errors: string[] }>
  output: string
}

export async function runChild(runner: 'vitest' | 'jest', env: Record<string, string>): Promise<ChildResult> {
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

export const byName = (r: ChildResult, name: string) => {
  const test = r.tests.find((t) => t.name === name)
  if (!test) throw new Error(`no test "${name}" in the child run:\n${r.output}`)
  return test
}

export async function files(dir: string): Promise<Record<string, Buffer>> {
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

export const upstreamOptions = {
  // The simulated caller's session is told "Repeat exactly: <line>"; it answers with the line, as a live model would.
  reply: ({ userText }: { userText: string | null }) =>
    userText?.startsWith('Repeat exactly: ')
      ? userText.slice('Repeat exactly: '.length)
      : /table/.test(userText ?? '')
        ? 'Sure, your table for 2 is booked.'
        : 'You are welcome.',
  latencyMs: 80,
}

export const started: FakeRealtimeServer[] = []
export async function startUpstream(): Promise<FakeRealtimeServer> {
  const server = await createFakeRealtimeServer(upstreamOptions)
  started.push(server)
  return server
}

/** Closes every upstream started by this file's tests (call from afterAll). */
export async function closeUpstreams(): Promise<void> {
  for (const server of started.splice(0)) await server.close()
}
