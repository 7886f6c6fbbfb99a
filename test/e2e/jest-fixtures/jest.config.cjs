/** Jest config for test/e2e/jest-recording.test.ts: runs the CJS fixture through the built package (dist/). */
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.jest.cjs'],
  testEnvironment: 'node',
  testTimeout: 10000,
}
