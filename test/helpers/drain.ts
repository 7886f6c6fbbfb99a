import type { AudioChunk, VoiceAgentAdapter } from '../../src/adapter/types.js'

/** Reads the current response to its end (`null`), returning every chunk. */
export async function drain(agent: VoiceAgentAdapter, timeoutMs = 5000): Promise<AudioChunk[]> {
  const chunks: AudioChunk[] = []
  for (;;) {
    const chunk = await agent.recvAudio(timeoutMs)
    if (chunk === null) return chunks
    chunks.push(chunk)
  }
}
