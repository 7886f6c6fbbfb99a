import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `npm run demo` only (scripts/demo.mjs): a test that fails on purpose.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['*.test.ts'],
    testTimeout: 20_000,
  },
})
