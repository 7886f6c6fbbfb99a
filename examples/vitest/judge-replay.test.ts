// A judged test, recorded once and replayed: the judge's verdict and the transcription of the agent's audio are
// stored with the conversation, in __recordings__/judge-replay.test.ts/ (under "http"), and replay with no key and
// no network, as long as the criteria, the conversation and the judge model are the same.
//
//   EXPECT_VOICE_UPDATE=1 npx vitest run --config examples/vitest.config.ts judge-replay   # (re-)record: needs OPENAI_API_KEY
//   npx vitest run --config examples/vitest.config.ts judge-replay                         # replay, offline
//
// The committed recording was made against the built-in fake server (with a scripted judge) standing in for the
// live API (`node examples/record-examples.mjs`).
import { test as base, expect } from 'expect-voice/vitest'
import { synthesizeSpeech } from 'expect-voice'

// EXAMPLE_REALTIME_URL is set by examples/record-examples.mjs only; unset, recording goes to the live API.
const test = base.override({
  voiceOptions: { url: process.env.EXAMPLE_REALTIME_URL, instructions: 'You are the host of a small restaurant. Never promise a window seat.' },
})

test('confirms the booking without promising a window seat', async ({ agent }) => {
  await agent.sendAudio({ data: synthesizeSpeech('book a table for two at seven pm'), sampleRate: 24000 })
  await expect(agent).toFulfill('confirms the party size and the time; does not promise a window seat')
  await expect(agent).toSay('table for two is booked for seven pm', { from: 'audio' })
  await expect(agent).toSoundLikeItsTranscript()
})
