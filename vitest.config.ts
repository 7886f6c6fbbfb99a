import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Vitest's default is one worker per core minus one: a single worker on two cores. The files mostly wait (on
    // loopback sockets, timers and child runs), so two workers halve the wall time without starving each other.
    maxWorkers: 2,
    // After each test file: no socket, server, timer or child process left open (test/hardening).
    setupFiles: ['test/helpers/leak-check.ts'],
  },
})
