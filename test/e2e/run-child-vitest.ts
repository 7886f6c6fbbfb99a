import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface ChildTest {
  name: string
  state: string
  errors: string[]
  meta: Record<string, unknown>
}

const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Runs Vitest on one fixture file in a child process and returns the per-test results from its JSON report.
 * `args` are extra CLI arguments (e.g. another `--reporter`). Failure recordings and Vitest attachments go to a
 * temporary folder removed after the run, unless `env` / `args` say otherwise.
 */
export async function runChildVitest(
  file: string,
  env: NodeJS.ProcessEnv = {},
  args: string[] = [],
): Promise<{ tests: ChildTest[]; exitCode: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'expect-voice-e2e-'))
  const report = join(dir, 'report.json')
  try {
    const { exitCode, output } = await new Promise<{ exitCode: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          join(root, 'node_modules/vitest/vitest.mjs'),
          'run',
          '--config',
          'test/e2e/fixtures/vitest.config.ts',
          file,
          '--reporter=json',
          `--outputFile=${report}`,
          ...(args.some((a) => a.startsWith('--attachmentsDir')) ? [] : [`--attachmentsDir=${join(dir, 'attachments')}`]),
          ...args,
        ],
        {
          cwd: root,
          env: { ...process.env, EXPECT_VOICE_ARTIFACTS_DIR: join(dir, 'voice-artifacts'), ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
          timeout: 60_000,
        },
        (err, stdout, stderr) => resolve({ exitCode: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      )
    })
    const json = JSON.parse(await readFile(report, 'utf8')) as {
      testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[]; meta?: Record<string, unknown> }> }>
    }
    const tests = json.testResults.flatMap((f) =>
      f.assertionResults.map((t) => ({ name: t.title, state: t.status, errors: t.failureMessages, meta: t.meta ?? {} })),
    )
    return { tests, exitCode, output }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
