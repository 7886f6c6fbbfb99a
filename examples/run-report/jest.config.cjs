// The run report under Jest: `npx jest --config examples/run-report/jest.config.cjs` prints the table and writes
// voice-report/voice-report.json and .html; an exceeded budget fails the run.
const { voiceBudgets } = require('expect-voice/jest-reporter')

module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.test.cjs'],
  testEnvironment: 'node',
  testTimeout: 20000,
  reporters: ['default', ['expect-voice/jest-reporter', { outputDir: 'voice-report', budgets: voiceBudgets({ firstAudio: { p95: 800 } }) }]],
}
