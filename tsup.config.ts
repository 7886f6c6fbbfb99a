import { defineConfig, type Options } from 'tsup'

// One core per module format: every entry of a format is built in one esbuild run with code splitting, so the
// classes and records the entries share live in shared chunks (dist/chunk-*.js, dist/chunk-*.cjs) and
// `instanceof` holds across `expect-voice` and all its subpaths. The declarations are bundled per format the same
// way (shared dist/*-<hash>.d.ts / .d.cts), so a class is declared once and its `#private` brand matches. ESM and
// CJS remain two copies, as in any dual package.
const external = ['vitest', '@vitest/expect', '@jest/globals', 'expect', 'jest-snapshot', 'ws']

// Runner-agnostic core, its helper subpaths and the Jest entry ship ESM + CJS.
const dual = {
  index: 'src/index.ts',
  matchers: 'src/matchers.ts',
  jest: 'src/jest.ts',
  audio: 'src/audio.ts',
  text: 'src/text.ts',
  replay: 'src/replay.ts',
  reports: 'src/reports.ts',
  serializer: 'src/serializer.ts',
  agents: 'src/agents.ts',
  // The run report's reporters: Vitest imports `reporter`, Jest requires `jest-reporter` (CJS).
  reporter: 'src/reporter.ts',
  'jest-reporter': 'src/jest-reporter.ts',
}

const common: Options = {
  dts: true,
  // No source maps: the sources are not shipped, and the unminified build reads well in a stack trace.
  sourcemap: false,
  target: 'node20',
  platform: 'node',
  external,
  splitting: true,
  // ESM-only and 24 KB: bundled, so the CJS build and Jest can load phonetic mode (THIRD_PARTY_NOTICES.md).
  noExternal: ['double-metaphone'],
}

export default defineConfig([
  {
    ...common,
    // The Vitest entry is ESM-only because `require('vitest')` throws.
    entry: { ...dual, vitest: 'src/vitest.ts' },
    format: ['esm'],
    // ESM has `import.meta.url` and no `__filename` (src/ws/lazy-ws.ts picks whichever exists): no shims.
    shims: false,
  },
  {
    ...common,
    entry: dual,
    format: ['cjs'],
    // The CJS declarations (.d.cts) are the ESM ones with `.cjs` imports (scripts/cjs-declarations.mjs, run after
    // tsup): one declaration build instead of two. CJS-typed consumers (node10, .cts files) resolve
    // `expect-voice/vitest` to them too, so the fixture's agent is the same `OpenAIRealtimeAdapter` type as
    // `expect-voice`'s. There is no CJS code for it (`require('vitest')` throws).
    dts: false,
    // Split CJS is built as ESM chunks, then each chunk is turned into CJS. With `treeshake`, Rollup does that
    // (keeping the code as written); without it, sucrase does, and also lowers `?.`, `??` and class fields.
    treeshake: true,
    // `import.meta.url` becomes the chunk's own file URL (src/ws/lazy-ws.ts).
    shims: true,
  },
])
