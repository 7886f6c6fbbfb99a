// `npm run demo` runs this test on purpose to show what a failure looks like: the agent answers something else, and
// toSay fails with the word alignment, the timings and the paths of the stereo WAV and the SVG timeline it wrote.
// Not part of `npm run examples` (it is meant to fail).
import { fakeTest, expect } from 'expect-voice/vitest'

const test = fakeTest.override({
  fakeServerOptions: {
    reply: ({ userText }) => (/table/.test(userText ?? '') ? 'Sorry, we are fully booked tonight, would tomorrow at seven work?' : 'Hello!'),
    latencyMs: 150,
  },
})

test('books a table for two at seven', async ({ agent, user }) => {
  await user.say('I would like a table for two at seven tonight')
  await expect(agent).toRespondWithin(800)
  await expect(agent).toSay('your table for two is booked for seven pm')
})
