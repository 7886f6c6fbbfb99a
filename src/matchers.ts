/** `expect-voice/matchers`: the voice matchers for `expect.extend`, for any Jest-compatible runner. Imports no runner. */
export * from './matchers/index.js'
