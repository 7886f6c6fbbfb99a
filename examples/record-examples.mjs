// Re-records the record/replay examples (examples/vitest/record-replay.test.ts, examples/vitest/judge-replay.test.ts, examples/jest/record-replay.test.cjs)
// against the built-in fake server standing in for the live API, so the committed recordings need no key to make.
// Run after `npm run build`:  node examples/record-examples.mjs
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createFakeRealtimeServer } from 'expect-voice'

const root = fileURLToPath(new URL('..', import.meta.url))
const server = await createFakeRealtimeServer({
  reply: ({ userText }) =>
    /table/.test(userText ?? '')
      ? 'Sure, your table for two is booked for 7 pm.'
      : /dog/i.test(userText ?? '')
        ? 'Dogs are welcome on the terrace.'
        : 'Sorry, could you repeat that?',
  // Stands in for the judge model of examples/vitest/judge-replay.test.ts.
  judge: ({ criteria, transcript }) => {
    const pass = /two/.test(transcript) && /7 pm/.test(transcript) && !/window seat is yours/.test(transcript)
    return {
      pass,
      reason: pass ? 'Party size and time confirmed; no window seat promised.' : 'Not confirmed, or a window seat was promised.',
      criteria: criteria.map((criterion) => ({ criterion, pass, evidence: pass ? ['your table for two is booked for 7 pm'] : [] })),
    }
  },
  latencyMs: 180,
  msPerChar: 10, // a quick synthetic voice keeps the committed WAVs small
})

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, EXPECT_VOICE_UPDATE: '1', EXAMPLE_REALTIME_URL: server.url, OPENAI_API_KEY: '' },
    })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))))
  })
}

try {
  await run(process.execPath, [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--config',
    'examples/vitest.config.ts',
    'examples/vitest/record-replay.test.ts',
    'examples/vitest/judge-replay.test.ts',
  ])
  await run(process.execPath, ['node_modules/jest/bin/jest.js', '--config', 'examples/jest.config.cjs', 'examples/jest/record-replay.test.cjs'])
} finally {
  await server.close()
}
