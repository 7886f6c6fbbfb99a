import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

// The built package, loaded by name (self-reference through package.json#exports) as a consumer would.
describe.runIf(existsSync(`${root}/dist/index.js`))('built package (npm run build)', () => {
  it('import exposes the adapter and the fake server', async () => {
    const r = await node([
      '--input-type=module',
      '-e',
      "const m = await import('expect-voice'); console.log(typeof m.OpenAIRealtimeAdapter, typeof m.createFakeRealtimeServer, typeof m.synthesizeSpeech)",
    ])
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('function function function')
  })

  it('require exposes the adapter and the fake server', async () => {
    const r = await node([
      '-e',
      "const m = require('expect-voice'); console.log(typeof m.OpenAIRealtimeAdapter, typeof m.createFakeRealtimeServer, typeof m.synthesizeSpeech)",
    ])
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('function function function')
  })

  it('expect-voice/matchers works from import and require', async () => {
    const esm = await node([
      '--input-type=module',
      '-e',
      "const m = await import('expect-voice/matchers'); console.log(Object.keys(m.voiceMatchers).sort().join(','))",
    ])
    const cjs = await node(['-e', "console.log(Object.keys(require('expect-voice/matchers').voiceMatchers).sort().join(','))"])
    expect(esm.stdout.trim()).toBe('toCallTool,toFulfill,toRespondWithin,toSay,toSoundLikeItsTranscript,toStopOnInterrupt,toTranscribeAs,toYieldToCaller')
    expect(cjs.stdout.trim()).toBe(esm.stdout.trim())
  })

  it('expect-voice/serializer is a serializer module for snapshotSerializers (Jest requires it, Vitest imports its default)', async () => {
    const probe =
      "const t = Object.defineProperty([{ role: 'user', kind: 'text', text: 'hi', status: 'completed' }], Symbol.for('expect-voice.transcript'), { value: true }); "
    const cjs = await node(['-e', `${probe} const s = require('expect-voice/serializer'); console.log(s.test(t), s.test([]), JSON.stringify(s.serialize(t)))`])
    const esm = await node([
      '--input-type=module',
      '-e',
      `${probe} const { default: s } = await import('expect-voice/serializer'); console.log(s.test(t), s.test([]), JSON.stringify(s.serialize(t)))`,
    ])
    expect(cjs.stderr).toBe('')
    expect(cjs.stdout.trim()).toBe('true false "VoiceTranscript [\\n  user (text): hi\\n]"')
    expect(esm.stdout.trim()).toBe(cjs.stdout.trim())
  })

  it('importing the core prints nothing and loads neither the natural root nor dotenv', async () => {
    const r = await node([
      '--input-type=module',
      '-e',
      "await import('expect-voice'); const { createRequire } = await import('node:module'); const req = createRequire(process.cwd() + '/'); const loaded = Object.keys(req.cache).filter((k) => /node_modules\\/(dotenv|mongoose|pg|redis)\\//.test(k)); process.stderr.write(loaded.join(','))",
    ])
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe('')
  })
})

describe('build presence', () => {
  it('dist exists (npm test builds before testing)', () => {
    expect(existsSync(`${root}/dist/index.js`), 'run `npm run build` first').toBe(true)
  })
})
