export * from './events.js'
export * from './audio-chunk.js'
