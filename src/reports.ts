/**
 * `expect-voice/reports`: failure recordings of a conversation as files: the time-aligned stereo WAV (user left,
 * agent right), the SVG timeline, and the layout both are drawn from.
 */
export * from './reports/index.js'
