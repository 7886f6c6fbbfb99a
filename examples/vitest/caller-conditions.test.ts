// Runs offline: a caller on a phone line, in a noisy room, pressing keys and talking over the agent. The fake server
// hears its own synthetic voice through mild conditions and loses words under strong ones, like a real recogniser.
import { describe } from 'vitest'
import { fakeTest, expect } from 'expect-voice/vitest'

const HOURS = 'We are open from noon to eleven every day, and the kitchen closes an hour before that.'

const test = fakeTest.override({
  fakeServerOptions: {
    reply: ({ userText, dtmf }) => {
      if (dtmf) return `You chose option ${dtmf.split('').join(' ')}.`
      if (/eight/.test(userText ?? '')) return 'Sure, a table for eight at seven.'
      if (/table/.test(userText ?? '')) return 'Sure, your table for two is booked for 7 pm.'
      return HOURS
    },
  },
  // Every line of this caller: a phone call (300 Hz high-pass, 8 kHz μ-law) with a little room noise.
  voiceUserOptions: { conditions: { phoneLine: true, noise: { snrDb: 45, type: 'pink' } } },
})

test('a caller on the phone books a table', async ({ agent, user }) => {
  await user.say('I want to book a table for two')
  await user.pause(300)
  await user.say('at seven pm')
  await expect(agent).toTranscribeAs('I want to book a table for two at 7 pm')
  await expect(agent).toSay('table for 2 is booked')
})

test('a caller in a loud bar is not understood', async ({ agent, user }) => {
  await user.say('I want to book a table for two', { conditions: { noise: { snrDb: 10 } } })
  await expect(agent).not.toTranscribeAs('I want to book a table for two')
})

test('a caller chooses from the menu with the keypad', async ({ agent, user }) => {
  await user.pressKeys('2 #')
  await expect(agent).toSay('you chose option 2')
})

describe("with the server's turn detection", () => {
  // Scoped to this describe: the server's VAD ends the caller's turns, and hears them talk over the agent.
  const vadTest = test.override({ voiceOptions: { turnDetection: { type: 'server_vad' } }, voiceUserOptions: { conditions: { phoneLine: true } } })

  vadTest('the agent yields when the caller talks over it', async ({ agent, user }) => {
    await user.say('when are you open')
    await user.pause(300) // the server's VAD ends the turn; the agent starts on the opening hours
    await expect(agent).toYieldToCaller(() => user.say('book a table for eight'), { within: 300, answers: 'table for 8' })
  })
})
