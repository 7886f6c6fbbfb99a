#!/usr/bin/env node
// Lists what each package entry exports, from its built type declarations: `value name` or `type name`, sorted.
// Used by test/package/surface.test.ts (the snapshot of the public surface) and by hand: `node scripts/list-exports.mjs`.
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
export const ENTRIES = {
  'expect-voice': 'index',
  'expect-voice/vitest': 'vitest',
  'expect-voice/jest': 'jest',
  'expect-voice/matchers': 'matchers',
  'expect-voice/audio': 'audio',
  'expect-voice/text': 'text',
  'expect-voice/replay': 'replay',
  'expect-voice/reports': 'reports',
  'expect-voice/serializer': 'serializer',
  'expect-voice/agents': 'agents',
  'expect-voice/reporter': 'reporter',
  'expect-voice/jest-reporter': 'jest-reporter',
}

export function listExports(declarationFile) {
  const program = ts.createProgram([declarationFile], { skipLibCheck: true, types: [], noEmit: true })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(declarationFile)
  const symbol = checker.getSymbolAtLocation(source)
  return checker
    .getExportsOfModule(symbol)
    .map((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s
      // `export type { SomeClass }` exports only the type, although the class itself is a value.
      const typeOnly = (s.declarations ?? []).some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly))
      return `${target.flags & ts.SymbolFlags.Value && !typeOnly ? 'value' : 'type'} ${s.getName()}`
    })
    .sort((a, b) => a.split(' ')[1].localeCompare(b.split(' ')[1]))
}

export function listAllExports() {
  return Object.fromEntries(Object.entries(ENTRIES).map(([entry, file]) => [entry, listExports(`${root}dist/${file}.d.ts`)]))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [entry, names] of Object.entries(listAllExports())) {
    const values = names.filter((n) => n.startsWith('value ')).length
    console.log(`${entry}: ${names.length} names (${values} values, ${names.length - values} types)`)
    if (process.argv.includes('--names')) for (const n of names) console.log(`  ${n}`)
  }
}
