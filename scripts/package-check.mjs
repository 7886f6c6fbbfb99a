#!/usr/bin/env node
/**
 * Checks the packed tarball the way a consumer meets it: `npm pack`, install into a scratch project under the OS
 * temp dir, then prove that whichever entry a user imports there is one core, per module format:
 *   - dist layout: each class is defined once in the ESM files, once in the CJS files, and declared once in the
 *     .d.ts files and once in the .d.cts files; only the runner entries load a runner or register matchers, and
 *     they are in `sideEffects`; every `exports` target is in the tarball;
 *   - ESM: a Vitest file (`fakeTest` from `expect-voice/vitest`) and a Jest ESM file (`useVoiceAgent`) compare the
 *     fixture's agent, its errors, the matchers' errors and those of the helper subpaths (audio, text, replay)
 *     with the classes of `expect-voice`, and read the agent's records with `expect-voice` and `/reports`;
 *   - CJS: the same with `require` in a Jest file;
 *   - types: `tsc --strict` on files where a helper typed `(agent: OpenAIRealtimeAdapter)` from `expect-voice`
 *     takes the Vitest and Jest fixtures' agents (ESM and CJS declarations).
 * Uses the dist/ already built (`npm run check:package` builds first). The tarball's dependencies are installed
 * through a lockfile cut from this repo's, offline from the npm cache that `npm ci` filled (else fetching only what
 * the cache lacks); vitest, jest and typescript are this repo's own, linked in. Exit code 0 when every check
 * passed. Options: --verbose (print each step's output), --keep (leave the scratch project).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const verbose = process.argv.includes('--verbose')
// --keep leaves the scratch project in place (its path is printed) to rerun a step by hand.
const keep = process.argv.includes('--keep')

/** Runner packages the scratch project borrows from this repo rather than installing again. */
const LINKED = ['vitest', 'jest', '@jest/globals', 'expect', 'typescript', '@types/node']

/** The only files that may load a test runner (they register the matchers on it). */
const RUNNER_ENTRIES = new Set(['vitest.js', 'jest.js', 'jest.cjs'])
const RUNNER_IMPORT = /(?:\bfrom|\bimport|\brequire\()\s*['"](vitest|@vitest\/expect|@jest\/globals|expect|jest-snapshot)['"]/

/** Classes that must be found, once per format, in code and in declarations. */
const CORE_CLASSES = ['OpenAIRealtimeAdapter', 'ExpectVoiceError', 'InvalidOptionError']

// The children must not inherit the settings of the run that started this script (a parent Vitest or Jest, a
// record/replay mode, a key): the scratch tests run against the fake server only.
function childEnv() {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VITEST|JEST|EXPECT_VOICE_|OPENAI_|NODE_OPTIONS$|NODE_PATH$)/.test(k)) continue
    env[k] = v
  }
  return { ...env, FORCE_COLOR: '0', NO_COLOR: '1', CI: '1' }
}

function run(cmd, args, cwd, extraEnv = {}) {
  return new Promise((resolve) => {
    const started = performance.now()
    execFile(cmd, args, { cwd, env: { ...childEnv(), ...extraEnv }, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, ms: performance.now() - started }),
    )
  })
}

// ---- scratch project files -------------------------------------------------------------------------------------

/**
 * Test cases shared by the Vitest and Jest files; `open(name)` starts a test in which `agent` is the fixture's.
 * One fact per test, so a failing run names each one that broke.
 */
function cases(format, open) {
  const ctx = `{ isNot: false, utils: { matcherHint: String, printExpected: String, printReceived: String }, equals: Object.is }`
  return `
const rejection = (p) => p.then(() => new Error('expected a rejection'), (err) => err)

${open(`${format}: the fixture's agent is the OpenAIRealtimeAdapter of expect-voice`)}
  expect(agent).toBeInstanceOf(OpenAIRealtimeAdapter)
})

${open(`${format}: the agent's errors are the ExpectVoiceError hierarchy of expect-voice`)}
  const err = await rejection(agent.sendText(''))
  expect(err).toBeInstanceOf(InvalidOptionError)
  expect(err).toBeInstanceOf(ExpectVoiceError)
})

${open(`${format}: a bad matcher option throws the InvalidOptionError of expect-voice`)}
  // Through the matchers the runner entry registered, and through expect-voice/matchers.
  expect(await rejection(expect(agent).toSay('x', { timeout: -1 }))).toBeInstanceOf(InvalidOptionError)
  expect(await rejection(voiceMatchers.toSay.call(${ctx}, agent, 'x', { timeout: -1 }))).toBeInstanceOf(InvalidOptionError)
})

${open(`${format}: conversationReport of expect-voice and the layout of expect-voice/reports read the agent's records`)}
  await agent.sendText('hello there')
  await expect(agent).toRespondWithin(5000)
  expect(conversationReport(agent)).toMatch(/user \\(text\\): hello there/)
  expect(conversationWav(layoutConversation(agent)).length).toBeGreaterThan(44)
})

${open(`${format}: errors of expect-voice/audio, /text and /replay are the ExpectVoiceError hierarchy of expect-voice`)}
  expect(() => decodeWav(42)).toThrow(InvalidOptionError)
  expect(() => decodeWav(Buffer.from('not a wav file at all'))).toThrow(AudioFormatError)
  expect(() => normalizeText(42)).toThrow(InvalidOptionError)
  expect(() => parseRecording('{}')).toThrow(ExpectVoiceError)
})
`
}

/** The imports every scratch test file needs besides its runner's, as ESM or as CJS. */
function imports(format) {
  const from = {
    'expect-voice': 'OpenAIRealtimeAdapter, ExpectVoiceError, InvalidOptionError, AudioFormatError, conversationReport',
    'expect-voice/matchers': 'voiceMatchers',
    'expect-voice/audio': 'decodeWav',
    'expect-voice/text': 'normalizeText',
    'expect-voice/replay': 'parseRecording',
    'expect-voice/reports': 'conversationWav, layoutConversation',
  }
  return Object.entries(from)
    .map(([entry, names]) => (format === 'cjs' ? `const { ${names} } = require('${entry}')` : `import { ${names} } from '${entry}'`))
    .join('\n')
}

const VITEST_TEST = `
import { fakeTest, expect, configureVoiceMatchers as configureThroughVitest } from 'expect-voice/vitest'
import { configureVoiceMatchers } from 'expect-voice'
import { configureVoiceMatchers as configureThroughMatchers } from 'expect-voice/matchers'
${imports('esm')}
${cases('ESM vitest', (name) => `fakeTest(${JSON.stringify(name)}, async ({ agent }) => {`)}
fakeTest('ESM vitest: configureVoiceMatchers of expect-voice/vitest and /matchers is the one of expect-voice', () => {
  expect(configureThroughVitest).toBe(configureVoiceMatchers)
  expect(configureThroughMatchers).toBe(configureVoiceMatchers)
  expect(() => configureThroughVitest({ timeout: -1 })).toThrow(InvalidOptionError)
})
`

const JEST_TEST_CJS = `
const { test, expect } = require('@jest/globals')
const { useVoiceAgent } = require('expect-voice/jest')
${imports('cjs')}
${jestBody('CJS jest')}
`

const JEST_TEST_ESM = `
import { test, expect } from '@jest/globals'
import { useVoiceAgent } from 'expect-voice/jest'
${imports('esm')}
${jestBody('ESM jest')}
`

function jestBody(format) {
  return `
const voice = useVoiceAgent({ fake: true })
// Thrown by expect-voice/jest itself: the agent only exists inside a test.
let outside
try { void voice.agent } catch (err) { outside = err }
${cases(format, (name) => `test(${JSON.stringify(name)}, async () => {\n  const { agent } = voice`)}
test(${JSON.stringify(`${format}: useVoiceAgent's own errors are the ExpectVoiceError of expect-voice`)}, () => {
  expect(outside).toBeInstanceOf(ExpectVoiceError)
})
`
}

// ESM declarations (.d.ts): the Vitest fixtures, the Jest handle imported from ESM, a helper subpath, and the
// matcher augmentation of 'vitest'.
const TYPES_ESM = `
import { OpenAIRealtimeAdapter, conversationReport } from 'expect-voice'
import { fakeTest, test as liveTest, expect } from 'expect-voice/vitest'
import { useVoiceAgent } from 'expect-voice/jest'
import { layoutConversation } from 'expect-voice/reports'

function helper(agent: OpenAIRealtimeAdapter): string {
  return conversationReport(agent)
}

fakeTest('fake fixture', async ({ agent }) => {
  helper(agent)
  conversationReport(agent)
  layoutConversation(agent)
  await expect(agent).toSay('hello')
})
liveTest('live fixture', async ({ agent }) => {
  helper(agent)
})
export const fromJest = (): string => helper(useVoiceAgent({ fake: true }).agent)
`

// CJS declarations (.d.cts): the Jest handle, a helper subpath, and the \`expect\` augmentation of @jest/globals.
const TYPES_CJS = `
import { OpenAIRealtimeAdapter, conversationReport } from 'expect-voice'
import { useVoiceAgent } from 'expect-voice/jest'
import { voiceMatchers } from 'expect-voice/matchers'
import { layoutConversation } from 'expect-voice/reports'
import { expect } from '@jest/globals'

function helper(agent: OpenAIRealtimeAdapter): string {
  return conversationReport(agent)
}

const voice = useVoiceAgent({ fake: true })
export async function check(): Promise<string> {
  await expect(voice.agent).toSay('hello')
  void voiceMatchers.toSay
  layoutConversation(voice.agent)
  return helper(voice.agent) + conversationReport(voice.agent)
}
`

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    types: ['node'],
    // As most consumers have it; the augmentations of 'vitest' and 'expect' are exercised by the calls of
    // `expect(agent).toSay()` in types.mts and types.cts instead. Checking every library's declarations triples the time.
    skipLibCheck: true,
  },
  files: ['types.mts', 'types.cts'],
}

const JEST_CONFIG = `module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.jest.test.cjs', '<rootDir>/*.jest.test.mjs'],
  testEnvironment: 'node',
  transform: {},
  cacheDirectory: '<rootDir>/.jest-cache',
  testTimeout: 20000,
}
`

// ---- steps ----------------------------------------------------------------------------------------------------

/** Lockfile entries for the tarball's dependencies, cut from this repo's lockfile so `npm install --offline` finds them. */
function scratchLockfile(tarball, integrity) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages
  const resolve = (from, name) => {
    for (let base = from; ; ) {
      const key = `${base ? `${base}/` : ''}node_modules/${name}`
      if (lock[key]) return key
      if (!base) return null
      const i = base.lastIndexOf('/node_modules/')
      base = i < 0 ? '' : base.slice(0, i)
    }
  }
  const seen = new Set()
  const walk = (key) => {
    if (!key || seen.has(key)) return
    seen.add(key)
    const entry = lock[key]
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) walk(resolve(key, dep))
  }
  for (const dep of Object.keys(pkg.dependencies ?? {})) walk(resolve('', dep))
  const packages = {
    '': { name: 'expect-voice-package-check', dependencies: { 'expect-voice': `file:${tarball}` } },
    'node_modules/expect-voice': { version: pkg.version, resolved: `file:${tarball}`, integrity, license: pkg.license, dependencies: pkg.dependencies },
  }
  for (const key of [...seen].sort()) {
    // Flags that described this repo's tree (dev, peer) do not hold in the scratch project.
    const { dev, peer, devOptional, ...entry } = lock[key]
    packages[key] = entry
  }
  return { name: 'expect-voice-package-check', lockfileVersion: 3, requires: true, packages }
}

/**
 * Each class defined in one file per format in dist/ (code and declarations), the core's classes among them;
 * returns the problems found.
 */
function checkLayout(installed) {
  const dist = join(installed, 'dist')
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))
  const files = readdirSync(dist)
  const groups = {
    'ESM code (.js)': [files.filter((f) => f.endsWith('.js')), /^(?:var|let|const) (\w+) = class\b|^class (\w+)/gm],
    'CJS code (.cjs)': [files.filter((f) => f.endsWith('.cjs')), /^(?:var|let|const) (\w+) = class\b|^class (\w+)/gm],
    'ESM declarations (.d.ts)': [files.filter((f) => f.endsWith('.d.ts')), /^declare class (\w+)/gm],
    'CJS declarations (.d.cts)': [files.filter((f) => f.endsWith('.d.cts')), /^declare class (\w+)/gm],
  }
  const problems = []
  for (const [group, [names, re]] of Object.entries(groups)) {
    const definedIn = new Map()
    for (const file of names) {
      for (const m of readFileSync(join(dist, file), 'utf8').matchAll(re)) {
        const cls = m[1] ?? m[2]
        definedIn.set(cls, [...(definedIn.get(cls) ?? []), file])
      }
    }
    for (const cls of CORE_CLASSES) if (!definedIn.has(cls)) problems.push(`${group}: class ${cls} is defined nowhere`)
    for (const [cls, where] of definedIn) {
      if (where.length > 1) problems.push(`${group}: class ${cls} is defined ${where.length} times (${where.join(', ')}), expected once`)
    }
  }
  // A file that registers with a runner must be listed in sideEffects, or a bundler may drop its import; the
  // shared chunks are listed nowhere, so they must not register anything.
  const sideEffects = new Set((manifest.sideEffects || []).map((f) => f.replace(/^\.\//, '')))
  for (const file of files.filter((f) => /\.c?js$/.test(f))) {
    const registers = /\bexpect\.(extend|addSnapshotSerializer)\(/.test(readFileSync(join(dist, file), 'utf8'))
    if (registers && !sideEffects.has(`dist/${file}`)) problems.push(`dist/${file} registers matchers but is not in package.json sideEffects`)
  }
  // Shared chunks are loaded by `expect-voice` too, which imports no test runner.
  for (const file of files.filter((f) => /\.c?js$/.test(f) && !RUNNER_ENTRIES.has(f))) {
    const runner = RUNNER_IMPORT.exec(readFileSync(join(dist, file), 'utf8'))?.[1]
    if (runner) problems.push(`dist/${file} imports ${runner}; only ${[...RUNNER_ENTRIES].join(', ')} may`)
  }
  for (const file of sideEffects) if (!existsSync(join(installed, file))) problems.push(`package.json sideEffects lists ${file}, which is not in the tarball`)
  for (const target of exportTargets(manifest.exports)) {
    if (!existsSync(join(installed, target))) problems.push(`package.json exports ${target}, which is not in the tarball`)
  }
  return problems
}

function exportTargets(node) {
  if (typeof node === 'string') return [node]
  return Object.values(node).flatMap(exportTargets)
}

async function main() {
  if (!existsSync(join(root, 'dist/index.js'))) {
    console.error('package check: no dist/; run `npm run build` first (or `npm run check:package`)')
    return 1
  }
  const started = performance.now()
  const work = mkdtempSync(join(tmpdir(), 'expect-voice-package-check-'))
  const times = []
  const failures = []
  const step = async (name, fn) => {
    const t = performance.now()
    const result = await fn()
    times.push(`${name} ${Math.round(performance.now() - t)} ms`)
    return result
  }
  try {
    const packed = await step('pack', () => run('npm', ['pack', '--json', '--pack-destination', work], root))
    if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`)
    const tarball = JSON.parse(packed.stdout)[0].filename
    const integrity = `sha512-${createHash('sha512').update(readFileSync(join(work, tarball))).digest('base64')}`

    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'expect-voice-package-check', private: true, type: 'module', dependencies: { 'expect-voice': `file:${tarball}` } }, null, 2))
    writeFileSync(join(work, 'package-lock.json'), JSON.stringify(scratchLockfile(tarball, integrity), null, 2))
    const install = (mode) => run('npm', ['install', mode, '--no-audit', '--no-fund', '--ignore-scripts'], work)
    let installed = await step('install', () => install('--offline'))
    // A cache that lacks one of the locked tarballs (ENOTCACHED): fetch just those from the registry.
    if (installed.code !== 0 && /ENOTCACHED/.test(installed.stderr)) installed = await step('install (prefer-offline)', () => install('--prefer-offline'))
    if (installed.code !== 0) throw new Error(`npm install failed:\n${installed.stdout}\n${installed.stderr}`)
    for (const name of LINKED) {
      const target = join(work, 'node_modules', name)
      mkdirSync(dirname(target), { recursive: true })
      symlinkSync(join(root, 'node_modules', name), target, 'dir')
    }

    for (const problem of checkLayout(join(work, 'node_modules/expect-voice'))) failures.push(`layout: ${problem}`)

    writeFileSync(join(work, 'one-core.test.ts'), VITEST_TEST)
    writeFileSync(join(work, 'one-core.jest.test.cjs'), JEST_TEST_CJS)
    writeFileSync(join(work, 'one-core.jest.test.mjs'), JEST_TEST_ESM)
    writeFileSync(join(work, 'jest.config.cjs'), JEST_CONFIG)
    writeFileSync(join(work, 'types.mts'), TYPES_ESM)
    writeFileSync(join(work, 'types.cts'), TYPES_CJS)
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2))

    const bin = (p) => join(work, 'node_modules', p)
    // Sequential: the three are CPU-bound and the machine running this may be small.
    const checks = [
      ['vitest (ESM)', () => run(process.execPath, [bin('vitest/vitest.mjs'), 'run', 'one-core.test.ts', '--root', work, '--reporter=verbose'], work)],
      // One Jest run for both files; the .mjs one needs Node's VM modules.
      ['jest (CJS + ESM)', () => run(process.execPath, ['--experimental-vm-modules', '--no-warnings', bin('jest/bin/jest.js'), '--ci', '--config', 'jest.config.cjs'], work)],
      ['tsc (types)', () => run(process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.json'], work)],
    ]
    for (const [name, fn] of checks) {
      const r = await step(name, fn)
      if (r.code !== 0) failures.push(`${name} failed (exit ${r.code}):\n${`${r.stdout}\n${r.stderr}`.trim()}`)
      else if (verbose) console.log(`${name}:\n${`${r.stdout}\n${r.stderr}`.trim()}`)
    }
  } catch (err) {
    failures.push(err instanceof Error ? err.message : String(err))
  } finally {
    if (keep) console.log(`package check: scratch project kept at ${work}`)
    else rmSync(work, { recursive: true, force: true })
  }
  const total = `${Math.round(performance.now() - started)} ms (${times.join(', ')})`
  if (failures.length) {
    console.error(`package check: FAILED in ${total}\n\n${failures.join('\n\n')}`)
    return 1
  }
  console.log(`package check: OK in ${total}`)
  return 0
}

process.exitCode = await main()
