// Record and replay: a live voice test that runs in CI with no key, no cost and no flake.
//
// The first run with a key records the conversation beside this file, in
// __recordings__/record-replay.test.ts/ (events as JSON, one per line, and the agent's audio as a WAV); commit them.
// From then on the test replays the recording: no key, no network, same matcher results.
//
//   EXPECT_VOICE_UPDATE=1 npx vitest run --config examples/vitest.config.ts record-replay   # (re-)record: needs OPENAI_API_KEY
//   npx vitest run --config examples/vitest.config.ts record-replay                         # replay, offline
//
// The recording committed here was made against the built-in fake server standing in for the live API
// (`node examples/record-examples.mjs`), which is why the user speaks in the fake's synthetic voice. Against the
// live API, send real speech: `await agent.sendAudio(await readWav('book.wav'))`.
import { test as base, expect } from 'expect-voice/vitest'
import { synthesizeSpeech } from 'expect-voice'

// EXAMPLE_REALTIME_URL is set by examples/record-examples.mjs only; unset, recording goes to the live API.
const test = base.override({
  voiceOptions: { url: process.env.EXAMPLE_REALTIME_URL, instructions: 'You are the host of a small restaurant.' },
})

test('books a table, then answers a question', async ({ agent }) => {
  await agent.sendAudio({ data: synthesizeSpeech('book a table for two at seven pm'), sampleRate: 24000 })
  await expect(agent).toRespondWithin(800)
  await expect(agent).toSay('table for 2 is booked for seven pm')
  await expect(agent).toTranscribeAs('book a table for two at 7 pm')

  await agent.sendText('Can I bring my dog?')
  await expect(agent).toSay(/dogs are welcome/i)
  expect(agent.transcript).toMatchInlineSnapshot(`
    VoiceTranscript [
      user: book a table for two at seven pm
      agent: Sure, your table for two is booked for 7 pm.
      user (text): Can I bring my dog?
      agent: Dogs are welcome on the terrace.
    ]
  `)
})
