import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

// scripts/package-check.mjs packs dist/, installs the tarball in a scratch project and runs Vitest, Jest (CJS and
// ESM) and tsc there: whichever entry a consumer imports, one OpenAIRealtimeAdapter and one error hierarchy per
// module format, in code and in declarations.
describe.runIf(existsSync(`${root}/dist/index.js`))('packed tarball (npm run build)', () => {
  it('one core behind every entry, at run time and in types', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['scripts/package-check.mjs'], { cwd: root, timeout: 110_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      )
    })
    expect(r.stderr, r.stderr).toBe('')
    expect(r.stdout).toMatch(/^package check: OK in \d+ ms/)
    expect(r.code).toBe(0)
  }, 120_000)
})
