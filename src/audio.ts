/**
 * `expect-voice/audio`: PCM16 at the realtime API's 24 kHz, WAV in and out, resampling, G.711, chunking and
 * streaming, speech detection, and the speech timing of a response. Pure functions; no socket, no runner.
 */
export * from './audio/index.js'
export { responseSpeechTiming, type ResponseSpeechTiming } from './conversation/speech-timing.js'
