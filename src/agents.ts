/**
 * `expect-voice/agents`: test the agent you ship with `@openai/agents-realtime`. Imports nothing of the SDK: the
 * session is yours, wrapped by `RealtimeSessionAdapter`.
 */
export {
  RealtimeSessionAdapter,
  type RealtimeSessionAdapterOptions,
  type RealtimeSessionLike,
  type RealtimeTransportLike,
} from './adapter/realtime-session-adapter.js'
