/**
 * `expect-voice/replay`: record a realtime session once through a local proxy, replay it offline from its
 * recording, and the rules that choose a test's mode. The fixtures use these; call them for your own harness.
 */
export * from './replay/index.js'
