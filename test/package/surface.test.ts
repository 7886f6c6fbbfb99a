/**
 * The public surface, entry by entry: a change to what the package exports shows up as a reviewed snapshot diff,
 * and no exported value goes undocumented.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ENTRIES, listAllExports } from '../../scripts/list-exports.mjs'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('public surface (built declarations)', () => {
  const surface = listAllExports()

  it('exports exactly the snapshotted names from each entry', () => {
    expect(Object.keys(surface)).toEqual(Object.keys(ENTRIES))
    expect(surface).toMatchSnapshot()
  })

  it('documents every exported value in README.md or docs/', () => {
    const docs = [
      readFileSync(`${root}README.md`, 'utf8'),
      ...readdirSync(`${root}docs`)
        .filter((f) => f.endsWith('.md'))
        .map((f) => readFileSync(`${root}docs/${f}`, 'utf8')),
    ].join('\n')
    const undocumented = Object.entries(surface).flatMap(([entry, names]) =>
      names
        .filter((n) => n.startsWith('value '))
        .map((n) => n.slice('value '.length))
        .filter((name) => !new RegExp('`[^`\\n]*\\b' + name + '\\b[^`\\n]*`').test(docs))
        .map((name) => `${entry}: ${name}`),
    )
    expect(undocumented).toEqual([])
  })

  it('has an exports map entry, with types, for every entry', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, Record<string, unknown>> }
    for (const entry of Object.keys(ENTRIES)) {
      const subpath = entry === 'expect-voice' ? '.' : `./${entry.split('/')[1]}`
      expect(pkg.exports[subpath], subpath).toBeDefined()
      expect(JSON.stringify(pkg.exports[subpath]), subpath).toContain('types')
    }
  })
})
