import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { voiceBudgets } from 'expect-voice/reporter'

// The run report: `npx vitest run --config examples/run-report/vitest.config.ts` runs the suite (each test three
// times, see `repeats`), prints the table and writes voice-report/voice-report.json and .html. A budget that is
// exceeded fails the run; try EXPECT_VOICE_BUDGETS='{"firstAudio":{"p95":50}}' to see it.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['*.test.ts'],
    testTimeout: 20_000,
    reporters: [
      'default',
      [
        'expect-voice/reporter',
        {
          outputDir: 'voice-report',
          budgets: voiceBudgets({
            firstAudio: { p95: 800 },
            firstSpeech: { p95: 1200 },
            interruptStop: { max: 500 },
            wer: { max: 0.2 },
          }),
        },
      ],
    ],
  },
})
