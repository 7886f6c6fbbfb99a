// An LLM judge and the agent's real audio, offline on the fake server: each check passes, and is shown failing.
//
// toFulfill asks a judge model (here: the fake server's scripted judge) whether the conversation meets criteria
// that no word-error threshold can express. toSoundLikeItsTranscript and toSay(…, { from: 'audio' }) hear the
// response's audio instead of trusting the model's own transcript of it.
import { describe } from 'vitest'
import { fakeTest, expect } from 'expect-voice/vitest'
import type { FakeJudgeRequest } from 'expect-voice'

/** Stands in for the judge model: reads the conversation the way the criteria ask. */
function bookingJudge({ criteria, transcript }: FakeJudgeRequest) {
  const said = transcript
    .split('\n')
    .filter((line) => line.startsWith('agent'))
    .join(' ')
  const confirmed = /two/.test(said) && /7 pm/.test(said)
  const promisedWindow = /window seat is yours/.test(said)
  const checks = criteria.map((criterion) =>
    /window/.test(criterion)
      ? { criterion, pass: !promisedWindow, evidence: promisedWindow ? ['the window seat is yours'] : [] }
      : { criterion, pass: confirmed, evidence: confirmed ? ['a table for two at 7 pm'] : [] },
  )
  const pass = checks.every((c) => c.pass)
  return { pass, reason: pass ? 'Party size and time confirmed; no window seat promised.' : 'The agent promised a window seat.', criteria: checks }
}

const CRITERIA = ['confirms the party size and the time', 'does not promise a window seat']

describe('a judged booking conversation', () => {
  const test = fakeTest.override({ fakeServerOptions: { reply: 'Sure, a table for two at 7 pm. I cannot promise a window seat.', judge: bookingJudge } })

  test('passes: party size and time confirmed, no window seat promised', async ({ agent }) => {
    await agent.sendText('A table for two at seven, by the window please.')
    await expect(agent).toFulfill(CRITERIA)
  })
})

describe('a judged booking conversation that promises too much', () => {
  const promising = fakeTest.override({ fakeServerOptions: { reply: 'Done: a table for two at 7 pm, and the window seat is yours.', judge: bookingJudge } })

  promising('fails when the agent promises the window seat (the failure, shown)', async ({ agent }) => {
    await agent.sendText('A table for two at seven, by the window please.')
    await expect(agent).not.toFulfill(CRITERIA)
    await expect(expect(agent).toFulfill(CRITERIA)).rejects.toThrow(/✗ does not promise a window seat\n\s+“the window seat is yours”/)
  })
})

describe('the audio against the transcript', () => {
  const test = fakeTest.override({ fakeServerOptions: { reply: 'Your table for two is booked for seven pm.' } })

  test('passes: the audio says what the transcript says', async ({ agent }) => {
    await agent.sendText('Book a table for two at seven')
    await expect(agent).toSoundLikeItsTranscript()
    await expect(agent).toSay('booked for 7 pm', { from: 'audio' })
  })
})

describe('audio that says "eleven" where the transcript says "seven"', () => {
  // The fake's voice says "eleven" where its transcript says "seven": what a misspoken number looks like.
  const misspoken = fakeTest.override({
    fakeServerOptions: { reply: 'Your table for two is booked for seven pm.', spokenText: (text) => text.replace('seven', 'eleven') },
  })

  misspoken('fails when they disagree (the failure, shown)', async ({ agent }) => {
    await agent.sendText('Book a table for two at seven')
    await expect(agent).toSay('booked for seven pm') // the transcript says so…
    await expect(agent).not.toSoundLikeItsTranscript({ maxWer: 0 }) // …the audio does not
    await expect(expect(agent).toSoundLikeItsTranscript({ maxWer: 0 })).rejects.toThrow(/booked for \[7→11\] pm/)
    await expect(expect(agent).toSay('booked for seven pm', { from: 'audio', maxWer: 0 })).rejects.toThrow(/Heard \(the audio/)
  })
})
