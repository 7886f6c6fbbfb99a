/**
 * The fake OpenAI Realtime (GA) server: a deterministic, offline test double speaking the live wire protocol.
 */
export { createFakeRealtimeServer } from './server.js'
export type {
  FakeConnection,
  FakeHttpFaults,
  FakeJudge,
  FakeJudgeRequest,
  FakeVerdict,
  FakeHistoryEntry,
  FakeRealtimeServer,
  FakeRealtimeServerOptions,
  FakeReply,
  FakeReplyContext,
  FakeReplyFunction,
  FakeResponseRecord,
  FakeServerFaults,
  FakeSessionConfig,
  FakeToolCall,
  FakeToolOutput,
} from './types.js'
