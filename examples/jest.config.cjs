/** Jest runs the CommonJS example as a consumer would: through the package's `exports` (built into dist/). */
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/jest/**/*.test.cjs'],
  testEnvironment: 'node',
  testTimeout: 20000,
}
