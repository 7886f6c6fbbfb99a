import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Test files the bench runs in a child Vitest (never part of `npm test`). The built package (dist/) is loaded by
// Node directly, as it is when installed under node_modules, not transformed by Vite.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['**/*.voice.ts'],
    server: { deps: { external: [/\/dist\//] } },
    testTimeout: 20_000,
  },
})
