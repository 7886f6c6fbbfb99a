// Runs every ```ts / ```js block of README.md and docs/*.md, offline, against the built package (dist/, through the
// package's own `exports`: the generated files sit inside the repository, so `expect-voice/...` resolves to itself).
//
//   node scripts/doc-examples.mjs            # after `npm run build`; part of `npm run examples`
//   DOC_EXAMPLES_KEEP=1 node scripts/…       # keep test/.generated/docs/ to look at the generated files
//   DOC_EXAMPLES_ONLY=docs/audio.md node …   # only the blocks of the files whose path contains this
//
// How a block runs:
// - a block importing `vitest` or `expect-voice/vitest` is a Vitest test file;
// - a block requiring `@jest/globals` or `expect-voice/jest` is a Jest test file (CommonJS, as written);
// - any other block is a script (top-level code, ESM, top-level await allowed), imported by a one-test Vitest file.
// All Vitest files run in one child Vitest run, all Jest files in one child Jest run, with EXPECT_VOICE_MODE=fake
// (the `test` fixture talks to the built-in scripted agent) and no OPENAI_API_KEY. The repository's leak check runs
// after each Vitest file: a block that leaves a socket, server or timer open fails. The TypeScript blocks are also
// type-checked (tsc, strict, against dist/*.d.ts).
//
// Markers (an HTML comment on the line right before a block):
// - `<!-- not a runnable example: <why> -->` skips the block (signatures, fragments that cannot stand alone);
// - `<!-- output of the example above -->` before a plain ``` block: the runnable block before it must fail (a
//   Vitest test) with exactly this message, or print exactly this (a script). `…` stands for any text within a
//   line; a line holding only `…` stands for any number of lines.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const gen = join(root, 'test', '.generated', 'docs')
const started = performance.now()

const SKIP = /^<!--\s*not a runnable example\b.*-->$/
const OUTPUT = /^<!--\s*output of the example above\s*-->$/

/** Every fenced block of a Markdown file: `{ file, line (of the opening fence), lang, code, marker }`. */
function blocksOf(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const blocks = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})([\w-]*)/.exec(lines[i])
    if (!open) continue
    const [, indent, fence, lang] = open
    let j = i + 1
    while (j < lines.length && !lines[j].startsWith(indent + fence)) j++
    let k = i - 1
    while (k >= 0 && lines[k].trim() === '') k--
    const before = k >= 0 ? lines[k].trim() : ''
    blocks.push({
      file,
      line: i + 1,
      lang,
      code: lines
        .slice(i + 1, j)
        .map((l) => l.slice(indent.length))
        .join('\n'),
      skip: SKIP.test(before),
      output: OUTPUT.test(before),
    })
    i = j
  }
  return blocks
}

function classify(code) {
  if (/require\(\s*['"](@jest\/globals|expect-voice\/jest)['"]\s*\)|from\s+['"](@jest\/globals|expect-voice\/jest)['"]/.test(code)) return 'jest'
  // A Vitest block declares tests at its top level; one that only configures (a setup file) runs as a script.
  if (/from\s+['"](vitest|expect-voice\/vitest)['"]|import\s+['"]expect-voice\/vitest['"]/.test(code) && /^(test|it|describe)\b[\w.]*\(/m.test(code))
    return 'vitest'
  return 'script'
}

const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
].filter((f) => !process.env.DOC_EXAMPLES_ONLY || f.includes(process.env.DOC_EXAMPLES_ONLY))

const hadGenerated = existsSync(join(gen, '..'))
rmSync(gen, { recursive: true, force: true })
for (const dir of ['vitest', 'jest']) mkdirSync(join(gen, dir), { recursive: true })

/** Generated file (relative to gen) → { block, offset: markdown line of the file's line 1 minus 1 }. */
const origin = new Map()
const runnable = []
const problems = []
let skipped = 0
for (const file of docs) {
  let previous = null
  for (const block of blocksOf(file)) {
    if (block.output) {
      if (!previous) problems.push(`${file}:${block.line}: an "output of the example above" block with no runnable block before it`)
      else previous.expected = block
      continue
    }
    if (block.lang !== 'ts' && block.lang !== 'js') continue
    if (block.skip) {
      skipped++
      continue
    }
    block.kind = classify(block.code)
    block.id = `${file
      .replace(/\.md$/, '')
      .replace(/[^\w]+/g, '-')
      .toLowerCase()}-L${block.line}`
    const ext = block.lang === 'ts' ? 'ts' : 'js'
    if (block.kind === 'jest') {
      if (block.lang === 'ts') problems.push(`${file}:${block.line}: a Jest block must be \`\`\`js (CommonJS, run by Jest as written)`)
      block.path = `jest/${block.id}.test.cjs`
    } else if (block.kind === 'vitest') {
      block.path = `vitest/${block.id}.test.${ext}`
    } else {
      // CommonJS (a Jest config, a require) stays CommonJS; everything else is an ES module.
      block.path = `vitest/${block.id}.${ext === 'js' && /\brequire\(|\bmodule\.exports\b/.test(block.code) ? 'cjs' : `m${ext}`}`
      block.wrapper = `vitest/${block.id}.script.test.mjs`
    }
    writeFileSync(join(gen, block.path), block.code + '\n')
    origin.set(block.path, { block, offset: block.line })
    if (block.wrapper) writeFileSync(join(gen, block.wrapper), scriptWrapper(block))
    runnable.push(block)
    previous = block
  }
}

/** A Vitest file that imports the script block once, capturing what it prints. */
function scriptWrapper(block) {
  return `import { test } from 'vitest'
import { writeFileSync } from 'node:fs'
test(${JSON.stringify(`${block.file}:${block.line}`)}, async () => {
  const printed = []
  const { log } = console
  console.log = (...args) => printed.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '))
  try {
    await import(${JSON.stringify(`./${block.path.slice('vitest/'.length)}`)})
  } finally {
    console.log = log
    writeFileSync(new URL(${JSON.stringify(`./${block.id}.printed.json`)}, import.meta.url), JSON.stringify(printed))
  }
})
`
}

const vitestBlocks = runnable.filter((b) => b.kind !== 'jest')
const jestBlocks = runnable.filter((b) => b.kind === 'jest')

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [command, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EXPECT_VOICE_MODE: 'fake', EXPECT_VOICE_UPDATE: '', OPENAI_API_KEY: '', FORCE_COLOR: '0', NO_COLOR: '1', ...env },
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('exit', (code) => resolve({ code, out }))
  })
}

// Failure recordings go where a user's would (.voice-artifacts/ at the root), as the docs show; the ones of the
// generated files (named after their path, test/.generated/docs/…) are deleted at the end.
const childEnv = { EXPECT_VOICE_ARTIFACTS: '', EXPECT_VOICE_ARTIFACTS_DIR: '' }
const artifacts = join(root, '.voice-artifacts')
const hadArtifacts = existsSync(artifacts)
function removeArtifacts() {
  if (!existsSync(artifacts)) return
  for (const f of readdirSync(artifacts)) if (f.startsWith('test-.generated-docs-')) rmSync(join(artifacts, f), { force: true })
  if (!hadArtifacts && readdirSync(artifacts).length === 0) rmSync(artifacts, { recursive: true, force: true })
}

writeFileSync(
  join(gen, 'vitest.config.mjs'),
  `export default {
  test: {
    root: ${JSON.stringify(gen)},
    include: ['vitest/**/*.test.{ts,js,mjs}'],
    // as docs/runners.md recommends: the matchers registered once, by a setup file
    setupFiles: [${JSON.stringify(join(root, 'test/helpers/leak-check.ts'))}, 'expect-voice/vitest'],
    testTimeout: 20000,
    hookTimeout: 20000,
    // One module graph per worker rather than per file: a third of the time. Each block is still its own file, with
    // its own fixtures, fake servers and leak check; what the blocks share is the package's process-wide settings.
    isolate: false,
    attachmentsDir: ${JSON.stringify(join(gen, 'attachments'))},
    reporters: [${JSON.stringify(join(root, 'scripts/doc-examples-reporter.mjs'))}],
  },
}
`,
)
writeFileSync(
  join(gen, 'jest.config.cjs'),
  `module.exports = { rootDir: ${JSON.stringify(join(gen, 'jest'))}, testMatch: ['<rootDir>/*.test.cjs'], testEnvironment: 'node', testTimeout: 20000, setupFilesAfterEnv: ['expect-voice/jest'] }\n`,
)
// Strict, as the repository's own code; no declarations (test files are not libraries). The matcher types come from
// a .d.ts that imports expect-voice/vitest, as docs/runners.md recommends beside the setup file.
writeFileSync(join(gen, 'vitest', 'voice-matchers.d.ts'), "import 'expect-voice/vitest'\n")
writeFileSync(
  join(gen, 'tsconfig.json'),
  JSON.stringify(
    { extends: '../../../tsconfig.json', compilerOptions: { declaration: false, types: ['node'] }, include: ['vitest/**/*.ts', 'vitest/**/*.mts'] },
    null,
    2,
  ),
)

const tsBlocks = vitestBlocks.filter((b) => b.lang === 'ts')
const [vitest, jest, tsc] = await Promise.all([
  vitestBlocks.length
    ? run('node_modules/vitest/vitest.mjs', ['run', '--config', join(gen, 'vitest.config.mjs')], {
        ...childEnv,
        DOC_EXAMPLES_RESULTS: join(gen, 'vitest-results.json'),
      })
    : null,
  jestBlocks.length
    ? run('node_modules/jest/bin/jest.js', ['--config', join(gen, 'jest.config.cjs'), '--json', '--outputFile', join(gen, 'jest-results.json')], childEnv)
    : null,
  tsBlocks.length ? run('node_modules/typescript/bin/tsc', ['-p', join(gen, 'tsconfig.json'), '--noEmit', '--pretty', 'false']) : null,
])

/** The block a generated file came from, and the Markdown line of line `n` of that file. */
function where(path, n) {
  const o = origin.get(path)
  return o ? `${o.block.file}:${n ? o.offset + n : o.block.line}` : path
}

/** Points `…/test/.generated/docs/vitest/x.ts:12:3` in a stack at the Markdown line it came from. */
function mapStack(text) {
  return text
    .split('\n')
    .filter((l) => !/^\s+at .*(node_modules|node:internal|\.script\.test\.mjs)/.test(l))
    .join('\n')
    .replace(/(?:file:\/\/)?[^\s()]*test\/\.generated\/docs\/((?:vitest|jest)\/[^\s():]+):(\d+)(?::\d+)?/g, (m, p, n) =>
      origin.has(p) ? `${where(p, Number(n))} (${p}:${n})` : m,
    )
}

const failures = [...problems]
const fail = (block, message) => failures.push(`${block.file}:${block.line} (${block.kind} block):\n${indent(message)}`)
const indent = (s) =>
  s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')
const strip = (s) =>
  s
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim()

/** Does `actual` read as `shown`, where `…` is any text in a line and a lone `…` line any number of lines? */
function matchesShown(shown, actual) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const pattern = strip(shown)
    .split('\n')
    .map((l) => (l.trim() === '…' ? '(?:[^\\n]*\\n)*?' : esc(l).replace(/…/g, '[^\\n]*?') + '\\n'))
    .join('')
  return new RegExp(`^${pattern}$`).test(strip(actual) + '\n')
}

function diffShown(shown, actual) {
  return `the shown output does not match what the example gives.\nShown:\n${indent(strip(shown))}\nActual:\n${indent(strip(actual))}`
}

// Vitest: per block, its file's result (module errors included) from scripts/doc-examples-reporter.mjs.
if (vitest) {
  const resultsFile = join(gen, 'vitest-results.json')
  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : null
  if (!results) failures.push(`the child Vitest run gave no results (exit ${vitest.code}):\n${indent(vitest.out)}`)
  else {
    for (const e of results.unhandledErrors) failures.push(`unhandled error in the child Vitest run:\n${indent(mapStack(e.stack ?? e.message))}`)
    for (const block of vitestBlocks) {
      const file = join(gen, block.wrapper ?? block.path)
      const mod = results.modules.find((m) => m.moduleId === file)
      if (!mod) {
        fail(block, 'did not run')
        continue
      }
      const errors = [...mod.errors, ...mod.tests.flatMap((t) => t.errors.map((e) => ({ ...e, test: t.fullName })))]
      const failed = mod.tests.filter((t) => t.state === 'failed')
      if (block.expected && block.kind === 'vitest') {
        const message = failed[0]?.errors[0]?.message
        if (mod.errors.length) fail(block, mod.errors.map((e) => mapStack(e.stack ?? e.message)).join('\n'))
        else if (failed.length !== 1)
          fail(block, `is shown failing (${block.expected.file}:${block.expected.line}), so exactly one of its tests must fail; ${failed.length} did`)
        else if (!matchesShown(block.expected.code, message)) fail(block, diffShown(block.expected.code, message))
        continue
      }
      if (errors.length || mod.tests.some((t) => t.state !== 'passed'))
        fail(block, errors.length ? errors.map((e) => (e.test ? `${e.test}: ` : '') + mapStack(e.stack ?? e.message)).join('\n\n') : 'a test did not pass')
      else if (block.expected) {
        const printed = JSON.parse(readFileSync(join(gen, `vitest/${block.id}.printed.json`), 'utf8')).join('\n')
        if (!matchesShown(block.expected.code, printed)) fail(block, diffShown(block.expected.code, printed))
      }
    }
  }
}

// Jest: per block, its file's result from Jest's JSON report.
if (jest) {
  const resultsFile = join(gen, 'jest-results.json')
  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : null
  if (!results) failures.push(`the child Jest run gave no results (exit ${jest.code}):\n${indent(jest.out)}`)
  else {
    for (const block of jestBlocks) {
      const suite = results.testResults.find((r) => r.name === join(gen, block.path))
      if (!suite) fail(block, 'did not run')
      else if (suite.status !== 'passed' || !suite.assertionResults.length)
        fail(
          block,
          mapStack(
            [
              ...(suite.assertionResults.some((a) => a.status === 'failed') ? [] : [suite.message]),
              ...suite.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join('\n')}`),
            ]
              .filter(Boolean)
              .join('\n') || 'no test ran',
          ),
        )
    }
  }
}

// tsc: `vitest/x.ts(12,3): error TS…` → the block and its Markdown line.
if (tsc && tsc.code !== 0) {
  for (const line of tsc.out.split('\n').filter((l) => /error TS/.test(l))) {
    const m = /^(?:.*test\/\.generated\/docs\/)?((?:vitest|jest)\/[^(]+)\((\d+),(\d+)\): (.*)$/.exec(line)
    const o = m && origin.get(m[1])
    if (o) failures.push(`${where(m[1], Number(m[2]))} (type check of the block at line ${o.block.line}):\n${indent(m[4])}`)
    else failures.push(`type check: ${line}`)
  }
}

const seconds = ((performance.now() - started) / 1000).toFixed(1)
const counts = `${vitestBlocks.filter((b) => b.kind === 'vitest').length} Vitest, ${jestBlocks.length} Jest, ${vitestBlocks.filter((b) => b.kind === 'script').length} script blocks; ${tsBlocks.length} type-checked; ${skipped} marked not runnable`
if (!process.env.DOC_EXAMPLES_KEEP) {
  rmSync(gen, { recursive: true, force: true })
  if (!hadGenerated && readdirSync(join(gen, '..')).length === 0) rmSync(join(gen, '..'), { recursive: true, force: true })
  removeArtifacts()
}
if (failures.length) {
  console.error(`doc examples: ${failures.length} failing (${counts}; ${seconds} s)\n\n${failures.join('\n\n')}\n`)
  process.exit(1)
}
console.log(`doc examples: all ${runnable.length} pass (${counts}) in ${seconds} s, from ${docs.map((d) => relative(root, join(root, d))).join(', ')}`)
