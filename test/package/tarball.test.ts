import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

function packageCheck(args: string[], timeout: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['scripts/package-check.mjs', ...args], { cwd: root, timeout, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

// scripts/package-check.mjs packs dist/, installs the tarball in a scratch project and runs Vitest, Jest (CJS and
// ESM) and tsc there: whichever entry a consumer imports, one OpenAIRealtimeAdapter and one error hierarchy per
// module format, in code and in declarations; and the declarations type-check for consumers under nodenext,
// bundler and node10/commonjs, including their own fixtures composed with fakeVoiceFixtures.
describe.runIf(existsSync(`${root}/dist/index.js`))('packed tarball (npm run build)', () => {
  it('one core behind every entry, at run time and in types', async () => {
    const r = await packageCheck([], 110_000)
    expect(r.stderr, r.stderr).toBe('')
    expect(r.stdout).toMatch(/^package check: OK in \d+ ms/)
    expect(r.code).toBe(0)
  }, 120_000)

  // `--break=NAME` (and scripts/compat/*.sh with COMPAT_BREAK=NAME) undoes one type fix of issue 16 in a scratch
  // copy, to show that the check guarding it fails; it refuses when the text to undo is gone from the build.
  it.each(['fixtures', 'matchers', 'matchers-v5', 'typesVersions', 'expect-peer'])('--break=%s still finds its fix in the build', async (name) => {
    const copy = mkdtempSync(join(tmpdir(), 'expect-voice-break-'))
    try {
      mkdirSync(join(copy, 'dist'))
      copyFileSync(join(root, 'package.json'), join(copy, 'package.json'))
      copyFileSync(join(root, 'dist/vitest.d.ts'), join(copy, 'dist/vitest.d.ts'))
      const r = await packageCheck([`--apply-break=${name}:${copy}`], 10_000)
      expect(r.stderr, r.stderr).toBe('')
      expect(r.code).toBe(0)
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })
})
