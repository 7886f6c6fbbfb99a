import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['vitest/**/*.test.ts', 'live/**/*.test.ts'],
    testTimeout: 20_000,
  },
})
