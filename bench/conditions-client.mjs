/**
 * Caller conditions: CPU cost of each condition per second of caller audio (24 kHz PCM16, a synthetic-voice line
 * looped to `seconds`), of DTMF generation and detection, and of the fake server's recogniser (clean audio: the
 * exact decoder; through conditions: the tolerant one). Then barge-in against an in-process fake server with server
 * VAD: from the caller's first audio chunk to the end of the agent's cancelled response, and to its answer's first
 * audio.
 */
import { performance } from 'node:perf_hooks'
import { AgentRole, OpenAIRealtimeAdapter, createFakeRealtimeServer, createVoiceUser, recognizeSyntheticSpeech, synthesizeSpeech } from 'expect-voice'
import { addJitter, addNoise, applyConditions, applyGain, concatAudio, detectDtmf, dropPackets, dtmfTones, phoneLine } from 'expect-voice/audio'
import { reportResult } from './lib/ipc.mjs'
import { summary } from './lib/stats.mjs'

const config = JSON.parse(process.argv[2] ?? '{}')
const seconds = config.seconds ?? 10
const repeats = config.repeats ?? 5
const bargeIns = config.bargeIns ?? 30

const line = synthesizeSpeech('I want to book a table for two at seven pm please')
const copies = Math.ceil((seconds * 48_000) / line.length)
const audio = concatAudio(Array.from({ length: copies }, () => line))
audio.data = audio.data.subarray(0, seconds * 48_000)
const noiseRecording = addNoise({ data: Buffer.alloc(48_000 * 3), sampleRate: 24_000 }, { levelDb: -30, type: 'pink' })

/** Median CPU ms per second of audio of `fn` over `repeats` runs (after one warm-up). */
function perAudioSecond(fn, audioSeconds = seconds) {
  fn()
  const times = []
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now()
    fn()
    times.push(performance.now() - t0)
  }
  return summary(times.map((t) => t / audioSeconds))
}

async function bargeIn() {
  const reply = ({ userText }) => (userText?.includes('eight') ? 'Sure, eight.' : 'Our opening hours are from noon to eleven every day of the week, all year.')
  const server = await createFakeRealtimeServer({ reply })
  const stop = []
  const answer = []
  try {
    for (let i = 0; i < bargeIns; i++) {
      const agent = new OpenAIRealtimeAdapter({ url: server.url, turnDetection: { type: 'server_vad' } })
      await agent.connect()
      const user = createVoiceUser({ agent, voice: 'fake' })
      await user.say('when are you open')
      await user.pause(300)
      const first = await agent.recvAudio(5000)
      if (!first) throw new Error('no agent audio')
      const response = agent.currentResponse
      const spokeAt = performance.now()
      await user.say('make it eight')
      await user.pause(800)
      while (response.doneAt === null) await new Promise((r) => setTimeout(r, 1))
      stop.push(response.doneAt - spokeAt)
      // The answer: the response the server starts for the caller's new turn, read to its first audio.
      while (agent.currentResponse === response) await new Promise((r) => setTimeout(r, 1))
      const answered = agent.currentResponse
      while (answered.firstAudioAt === null && (await agent.recvAudio(5000)) !== null);
      answer.push(answered.firstAudioAt - spokeAt)
      await user.disconnect()
      await agent.disconnect()
    }
  } finally {
    await server.close()
  }
  return { stop: summary(stop), answer: summary(answer) }
}

reportResult(async () => {
  const costs = {
    'white noise (addNoise, snrDb)': perAudioSecond(() => addNoise(audio, { snrDb: 20 })),
    'pink noise (addNoise, type pink)': perAudioSecond(() => addNoise(audio, { snrDb: 20, type: 'pink' })),
    'recorded noise (addNoise, noise)': perAudioSecond(() => addNoise(audio, { snrDb: 20, noise: noiseRecording })),
    'gain and clipping (applyGain)': perAudioSecond(() => applyGain(audio, { db: 6, clipAt: 0.8 })),
    'phone line, μ-law (phoneLine)': perAudioSecond(() => phoneLine(audio)),
    'packet loss 5 %, concealed (dropPackets)': perAudioSecond(() => dropPackets(audio, { rate: 0.05, conceal: true })),
    'jitter 60 ms / 40 ms buffer (addJitter)': perAudioSecond(() => addJitter(audio, { maxMs: 60 })),
    'all of them (applyConditions)': perAudioSecond(() =>
      applyConditions(audio, { noise: { snrDb: 30 }, gain: { db: -3 }, phoneLine: true, packetLoss: { rate: 0.02 }, jitter: { maxMs: 50 } }),
    ),
    'DTMF tones (dtmfTones)': perAudioSecond(() => dtmfTones('1 2 3 4 5'), 1),
    'DTMF detection (detectDtmf)': perAudioSecond(() => detectDtmf(audio)),
  }
  const clean = line
  const lineSeconds = line.length / 48_000
  const phone = phoneLine({ data: line, sampleRate: 24_000 }).data
  const noisy = addNoise({ data: line, sampleRate: 24_000 }, { snrDb: 35 }).data
  const recognition = {
    'recogniser, clean line (exact decoder)': perAudioSecond(() => recognizeSyntheticSpeech(clean), lineSeconds),
    'recogniser, 35 dB SNR (tolerant)': perAudioSecond(() => recognizeSyntheticSpeech(noisy), lineSeconds),
    'recogniser, μ-law phone line (codec model)': perAudioSecond(() => recognizeSyntheticSpeech(phone), lineSeconds),
  }
  return { seconds, repeats, costs, recognition, bargeIn: await bargeIn(), role: AgentRole.AGENT }
})
