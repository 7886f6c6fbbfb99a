export * from './types.js'
export { OpenAIRealtimeAdapter, type OpenAIRealtimeAdapterOptions, type WebSocketClientOptions } from './openai-realtime-adapter.js'
