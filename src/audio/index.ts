// Audio helpers: PCM16 at the Realtime API's 24 kHz, WAV in and out, resampling, G.711, chunking and speech detection.
export {
  DEFAULT_SAMPLE_RATE,
  MAX_GENERATED_BYTES,
  concatAudio,
  float32ToPcm16,
  int16ToBuffer,
  int16View,
  isAudioChunk,
  pcm16ToFloat32,
  pcmDurationMs,
  rmsDb,
  silence,
  tone,
  trimToWholeSamples,
  type Pcm16Input,
  type ToneOptions,
} from './pcm16.js'
export { MAX_UPSAMPLING, resampleAudio, resampleFloat32, resamplePcm16, resampledLength } from './resample.js'
export { aLawDecode, aLawEncode, muLawDecode, muLawEncode } from './g711.js'
export {
  decodeWav,
  encodeWavStereo,
  readWav,
  writeWav,
  type DecodedWav,
  type ReadWavOptions,
  type WavEncoding,
  type WavSourceFormat,
  type WriteWavOptions,
} from './wav.js'
export {
  splitAudio,
  streamAudio,
  type AudioSink,
  type SplitAudioOptions,
  type StreamAudioOptions,
  type StreamAudioResult,
} from './chunk.js'
export {
  createSpeechDetector,
  detectSpeech,
  type SpeechDetectionOptions,
  type SpeechDetectionResult,
  type SpeechDetector,
  type SpeechOnset,
  type SpeechSegment,
} from './speech-detection.js'
export { applyConditions, checkConditions, type CallerConditions } from './conditions.js'
export { addNoise, type NoiseOptions } from './noise.js'
export { applyGain, type GainOptions } from './gain.js'
export { PHONE_LINE_RATE, phoneLine, type PhoneLineOptions } from './phone-line.js'
export { addJitter, dropPackets, type JitterOptions, type LossResult, type PacketLossOptions } from './packet-loss.js'
export {
  DTMF_HIGH_HZ,
  DTMF_KEYS,
  DTMF_LOW_HZ,
  detectDtmf,
  dtmfFrequencies,
  dtmfTones,
  type DtmfDetection,
  type DtmfDetectOptions,
  type DtmfTone,
  type DtmfToneOptions,
} from './dtmf.js'
