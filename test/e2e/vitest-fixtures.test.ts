import { describe, expect, it } from 'vitest'
import { runChildVitest } from './run-child-vitest.js'

describe('vitest fixtures (observed from a child Vitest run)', () => {
  it('connect per test, disconnect on pass, failure and timeout, attach the conversation, catch un-awaited matchers', async () => {
    const { tests, output } = await runChildVitest('lifecycle.voice.ts')
    // The abandoned matcher's late outcome must not surface as a stray unhandled rejection.
    expect(output).not.toMatch(/Unhandled (Rejection|Error)/)
    const byName = Object.fromEntries(tests.map((t) => [t.name, t]))
    expect(byName.passes!.state).toBe('passed')
    expect(byName['fails and attaches the conversation']!.state).toBe('failed')
    expect(byName['fails and attaches the conversation']!.meta.voiceConversation).toMatch(
      /Conversation:\nuser \(text\): book a table\nagent: Your table is booked\.\n\nTimings/,
    )
    expect(byName['times out']!.state).toBe('failed')
    expect(byName['forgets to await a matcher']!.state).toBe('failed')
    expect(byName['forgets to await a matcher']!.errors.join('\n')).toContain('expect(agent).toSay() was still running when the test ended')
    expect(byName['every agent so far was disconnected after its test']!.state).toBe('passed')
  }, 60_000)

  it('explains how to proceed when there is no key and no url', async () => {
    const { tests } = await runChildVitest('no-target.voice.ts', { OPENAI_API_KEY: '' })
    expect(tests[0]!.state).toBe('failed')
    expect(tests[0]!.errors.join('\n')).toMatch(/no OPENAI_API_KEY and no `url`[\s\S]*fakeTest/)
  }, 60_000)
})
