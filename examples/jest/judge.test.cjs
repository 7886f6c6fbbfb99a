// An LLM judge and the agent's real audio under Jest, offline on the fake server: each check passes, and is shown failing.
const { describe, test, expect } = require('@jest/globals')
const { useVoiceAgent } = require('expect-voice/jest')

/** Stands in for the judge model: reads the conversation the way the criteria ask. */
function bookingJudge({ criteria, transcript }) {
  const said = transcript
    .split('\n')
    .filter((line) => line.startsWith('agent'))
    .join(' ')
  const checks = criteria.map((criterion) =>
    /window/.test(criterion)
      ? { criterion, pass: !/window seat is yours/.test(said), evidence: /window seat is yours/.test(said) ? ['the window seat is yours'] : [] }
      : { criterion, pass: /two/.test(said) && /7 pm/.test(said), evidence: ['a table for two at 7 pm'] },
  )
  const pass = checks.every((c) => c.pass)
  return { pass, reason: pass ? 'Party size and time confirmed; no window seat promised.' : 'The agent promised a window seat.', criteria: checks }
}

const CRITERIA = ['confirms the party size and the time', 'does not promise a window seat']

describe('a judged booking conversation', () => {
  const voice = useVoiceAgent({ fake: { reply: 'Sure, a table for two at 7 pm. I cannot promise a window seat.', judge: bookingJudge } })

  test('passes', async () => {
    await voice.agent.sendText('A table for two at seven, by the window please.')
    await expect(voice.agent).toFulfill(CRITERIA)
  })
})

describe('a judged booking conversation that promises too much', () => {
  const voice = useVoiceAgent({ fake: { reply: 'Done: a table for two at 7 pm, and the window seat is yours.', judge: bookingJudge } })

  test('fails (the failure, shown)', async () => {
    await voice.agent.sendText('A table for two at seven, by the window please.')
    await expect(voice.agent).not.toFulfill(CRITERIA)
    await expect(expect(voice.agent).toFulfill(CRITERIA)).rejects.toThrow(/✗ does not promise a window seat/)
  })
})

describe('the audio against the transcript', () => {
  const voice = useVoiceAgent({ fake: { reply: 'Your table for two is booked for seven pm.' } })

  test('passes', async () => {
    await voice.agent.sendText('Book a table for two at seven')
    await expect(voice.agent).toSoundLikeItsTranscript()
    await expect(voice.agent).toSay('booked for 7 pm', { from: 'audio' })
  })
})

describe('audio that says "eleven" where the transcript says "seven"', () => {
  const voice = useVoiceAgent({ fake: { reply: 'Your table for two is booked for seven pm.', spokenText: (text) => text.replace('seven', 'eleven') } })

  test('fails (the failure, shown)', async () => {
    await voice.agent.sendText('Book a table for two at seven')
    await expect(voice.agent).not.toSoundLikeItsTranscript({ maxWer: 0 })
    await expect(expect(voice.agent).toSoundLikeItsTranscript({ maxWer: 0 })).rejects.toThrow(/booked for \[7→11\] pm/)
  })
})
