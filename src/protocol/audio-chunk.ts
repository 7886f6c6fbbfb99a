/** A slice of PCM16 little-endian mono audio. */
export interface AudioChunk {
  data: Buffer
  sampleRate: number
  /** `performance.now()` when the frame carrying this audio was received from the socket. */
  receivedAt?: number
}
