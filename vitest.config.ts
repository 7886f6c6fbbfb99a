import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // After each test file: no socket, server, timer or child process left open (issue #7, test/hardening).
    setupFiles: ['test/helpers/leak-check.ts'],
  },
})
