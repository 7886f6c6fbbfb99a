import type { AudioChunk } from '../protocol/audio-chunk.js'

export type { AudioChunk }

/** Who an adapter speaks for. USER drives the conversation (the voice user simulator); AGENT is the system under test. */
export enum AgentRole {
  USER = 'user',
  AGENT = 'agent',
}

export interface AdapterCapabilities {
  streamingTranscripts: boolean
  nativeVad: boolean
  dtmf: boolean
  interruption: boolean
  inputFormats: string[]
  outputFormats: string[]
}

/** The contract every matcher relies on. Implement it to test agents behind other transports. */
export interface VoiceAgentAdapter {
  readonly role: AgentRole
  readonly capabilities: AdapterCapabilities
  lastUserTranscript: string | null
  lastAgentTranscript: string | null
  connect(): Promise<void>
  /** Idempotent; never throws. */
  disconnect(): Promise<void>
  sendAudio(chunk: AudioChunk): Promise<void>
  /**
   * The next audio chunk of the current response; `null` once that response has ended and all its audio
   * was handed out. Rejects with a timeout error naming what did arrive when neither comes in time.
   */
  recvAudio(timeoutMs: number): Promise<AudioChunk | null>
  interrupt(): Promise<void>
  sendText?(text: string): Promise<void>
}
