import { defineConfig } from 'tsup'

// Runner-agnostic core and the Jest entry ship ESM + CJS; the Vitest entry is ESM-only
// because `require('vitest')` throws.
const external = ['vitest', '@vitest/expect', '@jest/globals', 'expect', 'jest-snapshot', 'ws', 'natural']

export default defineConfig([
  {
    entry: { index: 'src/index.ts', matchers: 'src/matchers.ts', jest: 'src/jest.ts', audio: 'src/audio.ts', text: 'src/text.ts', replay: 'src/replay.ts', reports: 'src/reports.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    external,
    splitting: false,
    shims: true,
  },
  {
    entry: { vitest: 'src/vitest.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    external,
    splitting: false,
  },
])
