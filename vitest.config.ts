import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Vitest's default is one worker per core minus one: a single worker on two cores. The files mostly wait (on
    // loopback sockets, timers and child runs), so on two cores three workers keep both busy: 70 s instead of 84 s
    // with two.
    maxWorkers: 3,
    // After each test file: no socket, server, timer or child process left open (test/hardening).
    setupFiles: ['test/helpers/leak-check.ts'],
  },
})
