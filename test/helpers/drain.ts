import type { AudioChunk, VoiceAgentAdapter } from '../../src/index.js'

/** Reads the current response to its end (`null`), returning every chunk. */
export async function drain(agent: VoiceAgentAdapter, timeoutMs = 5000): Promise<AudioChunk[]> {
  const chunks: AudioChunk[] = []
  for (;;) {
    const chunk = await agent.recvAudio(timeoutMs)
    if (chunk === null) return chunks
    chunks.push(chunk)
  }
}

/**
 * Reads the current response to its end in the background, like `drain`, but a rejected `recvAudio` is kept in
 * `errors` and reading goes on while `readOn(error, errors)` says so (else `done` rejects with it).
 */
export function drainThroughErrors(
  agent: VoiceAgentAdapter,
  readOn: (error: unknown, errors: unknown[]) => boolean,
  timeoutMs = 1000,
): { chunks: Buffer[]; errors: unknown[]; done: Promise<void> } {
  const chunks: Buffer[] = []
  const errors: unknown[] = []
  const done = (async () => {
    for (;;) {
      try {
        const chunk = await agent.recvAudio(timeoutMs)
        if (chunk === null) return
        chunks.push(chunk.data)
      } catch (error) {
        errors.push(error)
        if (!readOn(error, errors)) throw error
      }
    }
  })()
  return { chunks, errors, done }
}
