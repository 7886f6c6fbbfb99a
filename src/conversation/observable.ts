/**
 * How the records of an adapter are reached across module copies: the adapter (or the instrumentation of a
 * third-party adapter) exposes its `Conversation` under this registered symbol.
 */
export const CONVERSATION: unique symbol = Symbol.for('expect-voice.conversation') as never
