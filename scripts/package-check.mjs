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
 *     takes the Vitest and Jest fixtures' agents (ESM and CJS declarations), in three consumer setups:
 *     `moduleResolution: nodenext` (.mts, .cts and a Vitest file composing `base.extend(fakeVoiceFixtures)
 *     .extend({ db })`), `bundler` (every entry imported ESM-style, the same Vitest file) and `node10` with
 *     `module: commonjs` (every entry, found through `typesVersions`; `/vitest` types only). Each file also holds
 *     `// @ts-expect-error` lines (`toSay(42)`, an unknown fixture method), so declarations that decay to `any` fail too.
 *     With --lib-check, the Vitest file is also checked with `skipLibCheck: false` (TS2428 and the like; +6 s, so
 *     `npm run compat` runs it, not `npm test`).
 * Uses the dist/ already built (`npm run check:package` builds first). The tarball's dependencies are installed
 * through a lockfile cut from this repo's, offline from the npm cache that `npm ci` filled (else fetching only what
 * the cache lacks); vitest, jest and typescript are this repo's own, linked in. Exit code 0 when every check
 * passed. Options: --verbose (print each step's output), --keep (leave the scratch project), --lib-check (above),
 * --break=NAME (undo one of the type fixes in the installed copy, to see the checks fail; see BREAKS),
 * --print=FILE (print one of the consumer files, for scripts/compat/*.sh), --apply-break=NAME:DIR (undo a fix in the
 * unpacked package at DIR, for scripts/compat/*.sh, and exit).
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
const libCheck = process.argv.includes('--lib-check')
const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)

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
    // Loads without @openai/agents-realtime installed (the scratch project has none): the SDK is an optional peer.
    'expect-voice/agents': 'RealtimeSessionAdapter',
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
  // @ts-expect-error toSay takes a string or a RegExp
  await expect(agent).toSay(42)
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
import type { VoiceTestFixtures } from 'expect-voice/vitest'

function helper(agent: OpenAIRealtimeAdapter): string {
  return conversationReport(agent)
}

// A CJS-typed consumer (node10, or a .cts / package without "type": "module" under nodenext) resolves
// \`expect-voice/vitest\` to its CJS declarations (dist/vitest.d.cts), which share the CJS declaration chunks: the
// fixture's agent is the OpenAIRealtimeAdapter of \`expect-voice\` (it was not: TS2345, \`#private\`).
export function fromVitestFixture(fixtures: VoiceTestFixtures): string {
  return helper(fixtures.agent)
}

const voice = useVoiceAgent({ fake: true })
export async function check(): Promise<string> {
  await expect(voice.agent).toSay('hello')
  // @ts-expect-error toSay takes a string or a RegExp
  await expect(voice.agent).toSay(42)
  void voiceMatchers.toSay
  layoutConversation(voice.agent)
  return helper(voice.agent) + conversationReport(voice.agent)
}
`

// A Vitest 4 (or, in scripts/compat/vitest5.sh, 5) user's own fixtures on top of expect-voice's, as the README
// shows: `base.extend(fakeVoiceFixtures).extend({ db })` once failed with TS2769 under Vitest 4.1.
const VITEST_FIXTURES = `
import { test as base } from 'vitest'
import { fakeVoiceFixtures, voiceFixtures, fakeTest, expect } from 'expect-voice/vitest'

type Db = { query(sql: string): number }
const openDb = async (): Promise<Db> => ({ query: (sql: string) => sql.length })

export const test = base.extend(fakeVoiceFixtures).extend({ db: async ({}, use: (db: Db) => Promise<void>) => use(await openDb()) })
export const liveTest = base.extend(voiceFixtures).extend({ db: async ({}, use: (db: Db) => Promise<void>) => use(await openDb()) })

test('own fixtures beside the fake ones', async ({ agent, db, fakeServer, fakeServerOptions, user }) => {
  await agent.sendText('hi')
  db.query('select 1')
  void fakeServer.url
  void fakeServerOptions
  await user.say('hello')
  await expect(agent).toSay('x')
  await expect(agent).not.toRespondWithin(800)
  // @ts-expect-error toSay takes a string or a RegExp
  await expect(agent).toSay(42)
  // @ts-expect-error db is typed, not any
  db.nope()
})
liveTest('own fixtures beside the live ones', async ({ agent, db, voiceOptions }) => {
  await agent.sendText('hi')
  db.query('select 1')
  void voiceOptions.model
  // @ts-expect-error agent is an OpenAIRealtimeAdapter, not any
  await agent.sendNothing()
})
export const overridden = fakeTest.override({ fakeServerOptions: { reply: 'ok' } })
`

// Every entry imported ESM-style (moduleResolution bundler; the .d.ts declarations).
const ENTRIES_ESM = `
import { OpenAIRealtimeAdapter, InvalidOptionError, conversationReport } from 'expect-voice'
import { fakeTest } from 'expect-voice/vitest'
import { useVoiceAgent } from 'expect-voice/jest'
import { voiceMatchers } from 'expect-voice/matchers'
import { decodeWav } from 'expect-voice/audio'
import { normalizeText } from 'expect-voice/text'
import { parseRecording } from 'expect-voice/replay'
import { layoutConversation } from 'expect-voice/reports'
import { expect } from '@jest/globals'

const helper = (agent: OpenAIRealtimeAdapter): string => conversationReport(agent) + String(layoutConversation(agent))
const voice = useVoiceAgent({ fake: true })
fakeTest('vitest fixture', ({ agent }) => void helper(agent))
export async function jestUsage(): Promise<unknown[]> {
  await expect(voice.agent).toSay('hello')
  // @ts-expect-error toSay takes a string or a RegExp
  await expect(voice.agent).toSay(42)
  return [helper(voice.agent), voiceMatchers.toSay, decodeWav, normalizeText, parseRecording, new InvalidOptionError('x')]
}
`

// `module: commonjs` + node10 resolution, which ignores `exports`: every subpath is found through `typesVersions`.
// `/vitest` is ESM-only (`require('vitest')` throws), so types only.
const ENTRIES_NODE10 = `
import { OpenAIRealtimeAdapter, InvalidOptionError, conversationReport } from 'expect-voice'
import type { VoiceTestFixtures, VoiceAgentMatchers } from 'expect-voice/vitest'
import { useVoiceAgent, type VoiceAgentHandle } from 'expect-voice/jest'
import { voiceMatchers } from 'expect-voice/matchers'
import { decodeWav } from 'expect-voice/audio'
import { normalizeText } from 'expect-voice/text'
import { parseRecording } from 'expect-voice/replay'
import { layoutConversation } from 'expect-voice/reports'
import { expect } from '@jest/globals'

const helper = (agent: OpenAIRealtimeAdapter): string => conversationReport(agent) + String(layoutConversation(agent))
const voice: VoiceAgentHandle = useVoiceAgent({ fake: true })
export async function usage(fixtures: VoiceTestFixtures, matchers: VoiceAgentMatchers<void>): Promise<unknown[]> {
  await expect(voice.agent).toSay('hello')
  // @ts-expect-error toSay takes a string or a RegExp
  await expect(voice.agent).toSay(42)
  await fixtures.agent.sendText('hi')
  await matchers.toSay('x')
  // @ts-expect-error the fixtures are typed, not any
  fixtures.agent.sendNothing()
  return [helper(voice.agent), voiceMatchers.toSay, decodeWav, normalizeText, parseRecording, new InvalidOptionError('x')]
}

// A CJS-typed consumer (node10, or a .cts / package without "type": "module" under nodenext) resolves
// \`expect-voice/vitest\` to its CJS declarations (dist/vitest.d.cts), which share the CJS declaration chunks: the
// fixture's agent is the OpenAIRealtimeAdapter of \`expect-voice\` (it was not: TS2345, \`#private\`).
export function fromVitestFixture(fixtures: VoiceTestFixtures): string {
  return helper(fixtures.agent)
}
`

/** Consumer files by name, for --print. */
const CONSUMER_FILES = { 'vitest-fixtures.ts': VITEST_FIXTURES }

const compilerOptions = {
  target: 'ES2022',
  strict: true,
  noEmit: true,
  types: ['node'],
  // As most consumers have it; the augmentations of 'vitest' and 'expect' are exercised by the calls of
  // `expect(agent).toSay()` instead. Checking every library's declarations triples the time (--lib-check does).
  skipLibCheck: true,
}

/** tsconfig file -> its contents: one consumer setup each. */
const TSCONFIGS = {
  'tsconfig.json': {
    compilerOptions: { ...compilerOptions, module: 'NodeNext', moduleResolution: 'NodeNext' },
    files: ['types.mts', 'types.cts', 'vitest-fixtures.ts'],
  },
  'tsconfig.bundler.json': {
    compilerOptions: { ...compilerOptions, module: 'ESNext', moduleResolution: 'Bundler' },
    files: ['entries.ts', 'vitest-fixtures.ts'],
  },
  'tsconfig.node10.json': { compilerOptions: { ...compilerOptions, module: 'CommonJS', moduleResolution: 'Node10' }, files: ['entries-node10.ts'] },
  'tsconfig.lib-check.json': {
    compilerOptions: { ...compilerOptions, module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: false },
    files: ['vitest-fixtures.ts'],
  },
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

// ---- undoing the type fixes (--break) -------------------------------------------------------------------------

/** Rewrites `file` under the package dir, failing loudly when the text to undo is not there (the build changed). */
function rewrite(dir, file, edit) {
  const path = join(dir, file)
  const before = readFileSync(path, 'utf8')
  const after = edit(before)
  if (after === before) throw new Error(`--break: nothing to undo in ${file} (has the build changed?)`)
  writeFileSync(path, after)
}
const editManifest = (edit) => (dir) =>
  rewrite(dir, 'package.json', (text) => {
    const manifest = JSON.parse(text)
    edit(manifest)
    return `${JSON.stringify(manifest, null, 2)}\n`
  })

/**
 * Each fix of issue 16 undone in an installed (or unpacked) copy of the package, to prove the check that guards it
 * can fail: `node scripts/package-check.mjs --break=NAME` must exit 1, naming the check.
 */
const BREAKS = {
  // Before 0fcf15e the fixture objects had their inferred literal types: TS2769 in `base.extend(...).extend({ db })`.
  fixtures: (dir) =>
    rewrite(dir, 'dist/vitest.d.ts', (text) =>
      text
        .replace(
          /^declare const voiceFixtures: FixturesOf<.*>;$/m,
          `declare const voiceFixtures: {
    voiceOptions: VoiceAgentOptions; voiceArtifacts: VoiceArtifactsOptions; voiceUserOptions: VoiceUserFixtureOptions;
    agent: ({ voiceOptions, voiceArtifacts, onTestFailed, task }: { voiceOptions: VoiceAgentOptions; voiceArtifacts: VoiceArtifactsOptions } & vitest.TestContext, use: (agent: OpenAIRealtimeAdapter) => Promise<void>) => Promise<void>;
    user: ({ agent, voiceOptions, voiceUserOptions }: { agent: OpenAIRealtimeAdapter; voiceOptions: VoiceAgentOptions; voiceUserOptions: VoiceUserFixtureOptions }, use: (user: VoiceUser) => Promise<void>) => Promise<void>;
};`,
        )
        .replace(
          /^declare const fakeVoiceFixtures: FixturesOf<.*>;$/m,
          `declare const fakeVoiceFixtures: {
    fakeServerOptions: FakeRealtimeServerOptions;
    fakeServers: readonly [({}: object, use: (pool: FakeServerPool) => Promise<void>) => Promise<void>, { readonly scope: "file" }];
    fakeServer: ({ fakeServerOptions, fakeServers }: { fakeServerOptions: FakeRealtimeServerOptions; fakeServers: FakeServerPool }, use: (s: FakeRealtimeServer) => Promise<void>) => Promise<void>;
    voiceOptions: VoiceAgentOptions; voiceArtifacts: VoiceArtifactsOptions; voiceUserOptions: VoiceUserFixtureOptions;
    agent: ({ voiceOptions, voiceArtifacts, fakeServer, onTestFailed, task }: { voiceOptions: VoiceAgentOptions; voiceArtifacts: VoiceArtifactsOptions; fakeServer: FakeRealtimeServer } & vitest.TestContext, use: (agent: OpenAIRealtimeAdapter) => Promise<void>) => Promise<void>;
    user: ({ agent, voiceUserOptions }: { agent: OpenAIRealtimeAdapter; voiceUserOptions: VoiceUserFixtureOptions }, use: (user: VoiceUser) => Promise<void>) => Promise<void>;
};`,
        ),
    ),
  // Before 5c394d5 the matchers augmented Vitest 4's `Matchers<T = any>`: TS2428 under Vitest 5 without skipLibCheck.
  matchers: (dir) =>
    rewrite(dir, 'dist/vitest.d.ts', (text) =>
      text.replace(CHAI_AUGMENTATION, "declare module 'vitest' {\n    interface Matchers<T = any> extends VoiceAgentMatchers<void> {\n    }\n}\n"),
    ),
  // The same written for Vitest 5's `Matchers<R, T>`: TS2428 under Vitest 4 without skipLibCheck.
  'matchers-v5': (dir) =>
    rewrite(dir, 'dist/vitest.d.ts', (text) =>
      text.replace(CHAI_AUGMENTATION, "declare module 'vitest' {\n    interface Matchers<R, T = any> extends VoiceAgentMatchers<void> {\n    }\n}\n"),
    ),
  // node10 ignores `exports`: without typesVersions, `expect-voice/jest` etc. are not found (TS2307).
  typesVersions: editManifest((manifest) => delete manifest.typesVersions),
  // Under pnpm without hoisting, `declare module 'expect'` augments nothing unless expect is linked as a peer.
  'expect-peer': editManifest((manifest) => {
    delete manifest.peerDependencies.expect
    delete manifest.peerDependenciesMeta.expect
  }),
}
const CHAI_AUGMENTATION = /^declare global \{\n\s+namespace Chai \{\n\s+interface Assertion extends VoiceAgentMatchers<void> \{\n\s+\}\n\s+\}\n\}\n/m

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
  const print = option('print')
  if (print) {
    if (!(print in CONSUMER_FILES)) throw new Error(`--print: one of ${Object.keys(CONSUMER_FILES).join(', ')}`)
    process.stdout.write(CONSUMER_FILES[print])
    return 0
  }
  const applyBreak = option('apply-break')
  if (applyBreak) {
    const [name, dir] = [applyBreak.slice(0, applyBreak.indexOf(':')), applyBreak.slice(applyBreak.indexOf(':') + 1)]
    if (!BREAKS[name]) throw new Error(`--apply-break: one of ${Object.keys(BREAKS).join(', ')}`)
    BREAKS[name](dir)
    return 0
  }
  const breaking = option('break')
  if (breaking && !BREAKS[breaking]) throw new Error(`--break: one of ${Object.keys(BREAKS).join(', ')}`)
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
    const integrity = `sha512-${createHash('sha512')
      .update(readFileSync(join(work, tarball)))
      .digest('base64')}`

    writeFileSync(
      join(work, 'package.json'),
      JSON.stringify({ name: 'expect-voice-package-check', private: true, type: 'module', dependencies: { 'expect-voice': `file:${tarball}` } }, null, 2),
    )
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
    if (breaking) {
      BREAKS[breaking](join(work, 'node_modules/expect-voice'))
      console.log(`package check: --break=${breaking}: fix undone in the scratch copy; the check that guards it must fail`)
    }

    writeFileSync(join(work, 'one-core.test.ts'), VITEST_TEST)
    writeFileSync(join(work, 'one-core.jest.test.cjs'), JEST_TEST_CJS)
    writeFileSync(join(work, 'one-core.jest.test.mjs'), JEST_TEST_ESM)
    writeFileSync(join(work, 'jest.config.cjs'), JEST_CONFIG)
    writeFileSync(join(work, 'types.mts'), TYPES_ESM)
    writeFileSync(join(work, 'types.cts'), TYPES_CJS)
    writeFileSync(join(work, 'vitest-fixtures.ts'), VITEST_FIXTURES)
    writeFileSync(join(work, 'entries.ts'), ENTRIES_ESM)
    writeFileSync(join(work, 'entries-node10.ts'), ENTRIES_NODE10)
    for (const [file, config] of Object.entries(TSCONFIGS)) writeFileSync(join(work, file), JSON.stringify(config, null, 2))

    const bin = (p) => join(work, 'node_modules', p)
    // Sequential: the three are CPU-bound and the machine running this may be small.
    const checks = [
      ['vitest (ESM)', () => run(process.execPath, [bin('vitest/vitest.mjs'), 'run', 'one-core.test.ts', '--root', work, '--reporter=verbose'], work)],
      // One Jest run for both files; the .mjs one needs Node's VM modules.
      [
        'jest (CJS + ESM)',
        () => run(process.execPath, ['--experimental-vm-modules', '--no-warnings', bin('jest/bin/jest.js'), '--ci', '--config', 'jest.config.cjs'], work),
      ],
      ['tsc (types, nodenext)', () => run(process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.json'], work)],
      ['tsc (types, bundler)', () => run(process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.bundler.json'], work)],
      ['tsc (types, node10 + commonjs)', () => run(process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.node10.json'], work)],
      ...(libCheck
        ? [['tsc (types, skipLibCheck: false)', () => run(process.execPath, [bin('typescript/bin/tsc'), '-p', 'tsconfig.lib-check.json'], work)]]
        : []),
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
