// §3b A file of short voice conversations against the fake server, as a user writes them with `fakeTest`.
// BENCH_TESTS sets the number of tests (default 100; the bench also runs 1 to subtract Vitest's own start-up).
// BENCH_PACE_MS=0: the fake server streams unpaced (as its default did before it streamed at 10× real time), so the
// figure is what the library costs per test; without it, what a test costs with the fake's default pacing.
import { fakeTest, expect } from 'expect-voice/vitest'
import { synthesizeSpeech } from 'expect-voice'

const count = Number(process.env.BENCH_TESTS ?? 100)
const booking = synthesizeSpeech('book a table for two')

const test = fakeTest.override({
  fakeServerOptions: {
    reply: ({ userText }) => (/table/.test(userText ?? '') ? 'Sure, your table for two is booked.' : 'You are welcome.'),
    seed: 7,
    ...(process.env.BENCH_PACE_MS ? { paceMs: Number(process.env.BENCH_PACE_MS) } : {}),
  },
})

for (let i = 0; i < count; i++) {
  test(`conversation ${i + 1}`, async ({ agent }) => {
    await agent.sendAudio({ data: booking, sampleRate: 24000 })
    await expect(agent).toRespondWithin(1000)
    await expect(agent).toTranscribeAs('book a table for two')
    await expect(agent).toSay('your table for 2 is booked')
    await agent.sendText('thanks')
    await expect(agent).toSay('you are welcome')
  })
}
