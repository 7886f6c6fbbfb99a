/**
 * "Do these runtime values type-check as this TypeScript type?" Writes the values as object literals into a
 * generated .ts file inside the repo (so `node_modules` resolves), compiles it with the TypeScript compiler API
 * (strict, NodeNext) and returns the diagnostics, each naming the offending literal. Object literals get excess
 * property checks, so a field the type does not know is reported, not silently accepted.
 *
 *   const problems = typecheckLiterals(events, { typeName: 'RealtimeServerEvent', from: 'openai/resources/realtime/realtime' })
 *   expect(problems).toEqual([])
 */
import { mkdirSync, rmSync, rmdirSync, writeFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const GENERATED_DIR = join(REPO_ROOT, 'test/.generated')

export interface TypecheckOptions {
  /** The exported type each value must satisfy, e.g. 'RealtimeServerEvent'. */
  typeName: string
  /** Module to import it from (a package specifier, resolved from the repo). */
  from: string
  /** Optional label per value for the messages (default: its `type` field, else its index). */
  label?: (value: unknown, index: number) => string
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  types: [],
  lib: ['lib.es2023.d.ts'],
}

/** The last program: the next one reuses its structure. */
let previous: ts.Program | undefined
/** Parsed declaration files (the SDK's and TypeScript's libs), shared by every check in this worker. */
const parsed = new Map<string, ts.SourceFile>()

/** A compiler host that parses each library file once per worker; the generated literals are parsed every time. */
function cachingHost(): ts.CompilerHost {
  const host = ts.createCompilerHost(COMPILER_OPTIONS)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (fileName.startsWith(GENERATED_DIR)) return getSourceFile(fileName, languageVersion, onError, shouldCreate)
    let source = parsed.get(fileName)
    if (!source) {
      source = getSourceFile(fileName, languageVersion, onError, shouldCreate)
      if (source) parsed.set(fileName, source)
    }
    return source
  }
  return host
}

/** Literal TS source for a JSON-compatible value (JSON is valid TS expression syntax). */
function literal(value: unknown): string {
  return JSON.stringify(value, null, 1)
}

/**
 * Type-check `values` as `typeName[]`. Returns one line per diagnostic ("[3] response.done: Type ... "), an
 * empty array when everything type-checks. The generated file is removed afterwards.
 */
export function typecheckLiterals(values: unknown[], options: TypecheckOptions): string[] {
  mkdirSync(GENERATED_DIR, { recursive: true })
  const file = join(GENERATED_DIR, `literals-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.ts`)
  const label =
    options.label ??
    ((value: unknown, i: number) => {
      const type = (value as { type?: unknown } | null)?.type
      return typeof type === 'string' ? type : `#${i}`
    })
  // Remember where each literal starts so a diagnostic can name it.
  const lines = [`import type { ${options.typeName} } from '${options.from}'`, '', `export const values: ${options.typeName}[] = [`]
  const starts: number[] = []
  let lineCount = lines.length
  values.forEach((value) => {
    const text = `${literal(value)},`
    starts.push(lineCount + 1)
    lines.push(text)
    lineCount += text.split('\n').length
  })
  lines.push(']', '')
  writeFileSync(file, lines.join('\n'))
  try {
    const program = ts.createProgram([file], COMPILER_OPTIONS, cachingHost(), previous)
    previous = program
    const source = program.getSourceFile(file)
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
    return diagnostics.map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ')
      if (!d.file || d.start === undefined) return message
      const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1
      let index = -1
      for (let i = 0; i < starts.length && starts[i]! <= line; i++) index = i
      const where = index >= 0 ? `[${index}] ${label(values[index], index)} (line ${line - starts[index]! + 1})` : `line ${line}`
      return `${where}: ${message}`
    })
  } finally {
    rmSync(file, { force: true })
    try {
      if (readdirSync(GENERATED_DIR).length === 0) rmdirSync(GENERATED_DIR)
    } catch {
      // another file is using the directory; it removes it when done
    }
  }
}

/**
 * A known, documented difference between what a server sends and what the SDK types declare, removed before
 * type-checking. `path` is dot-separated; `*` matches every array element (or object key). `onlyNull` removes
 * the field only when it is null (the live API sends null where the SDK says "optional, never null").
 */
export interface KnownDeviation {
  /** Event types it applies to (all when absent). */
  types?: string[]
  path: string
  onlyNull?: boolean
  /** Why this is not a bug in the fake (cite the capture). */
  reason: string
}

/** A deep copy of `values` without the fields the deviations name. */
export function stripKnownDeviations<T>(values: T[], deviations: KnownDeviation[]): T[] {
  return values.map((value) => {
    const copy = structuredClone(value) as Record<string, unknown>
    for (const deviation of deviations) {
      if (deviation.types && !deviation.types.includes(copy.type as string)) continue
      remove(copy, deviation.path.split('.'), deviation.onlyNull === true)
    }
    return copy as T
  })
}

function remove(node: unknown, path: string[], onlyNull: boolean): void {
  if (typeof node !== 'object' || node === null) return
  const [head, ...rest] = path
  const children = head === '*' ? Object.keys(node) : [head!]
  for (const key of children) {
    const obj = node as Record<string, unknown>
    if (!(key in obj)) continue
    if (rest.length === 0) {
      if (!onlyNull || obj[key] === null) delete obj[key]
    } else remove(obj[key], rest, onlyNull)
  }
}
