/**
 * Runs Vitest on fixture files of test/hardening/fixtures in a child process, with every reporter output and
 * everything the run writes kept under one directory (`out`), so a test can inspect or scan all of it.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface ChildRun {
  exitCode: number
  stdout: string
  stderr: string
  /** Wall time of the child process, ms. */
  ms: number
  /** The JSON report, parsed. */
  report: {
    testResults: Array<{
      assertionResults: Array<{ title: string; fullName: string; status: string; failureMessages: string[]; meta?: Record<string, unknown> }>
    }>
  }
}

export async function runHardeningChild(files: string[], out: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<ChildRun> {
  const args = [
    join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--config',
    join(REPO_ROOT, 'test/hardening/fixtures/vitest.config.ts'),
    ...files,
    '--update',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${join(out, 'report.json')}`,
    '--reporter=junit',
    `--outputFile.junit=${join(out, 'junit.xml')}`,
  ]
  const started = performance.now()
  const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      args,
      {
        cwd: REPO_ROOT,
        env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: '', GITHUB_ACTIONS: '', ...env, HARDENING_OUT: out },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => resolve({ exitCode: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
  const ms = performance.now() - started
  let report: ChildRun['report'] = { testResults: [] }
  try {
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as ChildRun['report']
  } catch {
    // no report: the caller sees the output
  }
  return { exitCode, stdout, stderr, ms, report }
}
