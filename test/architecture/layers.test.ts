/**
 * The layer rules of CONTRIBUTING.md, read from the imports of src/: a folder imports only folders of a lower floor,
 * entry files sit at the root of src/ and nothing imports them, and no two modules import each other in a circle.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

/** Floor of each folder of src/: a module may import its own folder and folders of a lower floor only. */
export const FLOORS: Record<string, number> = {
  protocol: 0,
  errors: 1,
  secrets: 1,
  ws: 1,
  audio: 2,
  text: 2,
  conversation: 3,
  loopback: 3,
  adapter: 4,
  'fake-server': 4,
  judge: 4,
  reports: 5,
  replay: 5,
  'run-report': 5,
  user: 5,
  matchers: 6,
  runners: 7,
}
const ENTRY_FLOOR = 8
/** Packages a layer may import besides node: built-ins. The core never imports a test runner. */
const RUNNER_PACKAGES = /^(vitest|@vitest\/|@jest\/|expect$|jest)/

interface Module {
  file: string
  folder: string | null
  imports: Array<{ spec: string; target: string | null; typeOnly: boolean }>
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  )
}

function readModules(): Module[] {
  return listFiles(src).map((path) => {
    const file = relative(src, path)
    const parts = file.split('/')
    const text = readFileSync(path, 'utf8')
    const imports = [...text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)].map((m) => {
      const spec = (m[2] ?? m[3])!
      const target = spec.startsWith('.') ? relative(src, resolve(dirname(path), spec.replace(/\.js$/, '.ts'))) : null
      return { spec, target, typeOnly: !!m[1] }
    })
    return { file, folder: parts.length > 1 ? parts[0]! : null, imports }
  })
}

const floorOf = (folder: string | null) => (folder === null ? ENTRY_FLOOR : FLOORS[folder])

describe('architecture: the layers of src/', () => {
  const modules = readModules()

  it('knows the floor of every folder of src/', () => {
    const folders = [...new Set(modules.map((m) => m.folder).filter((f): f is string => f !== null))].sort()
    expect(folders.filter((f) => FLOORS[f] === undefined)).toEqual([])
  })

  it('imports only downwards (or within a folder), and never an entry file', () => {
    const violations: string[] = []
    for (const m of modules) {
      for (const imp of m.imports) {
        if (!imp.target) continue
        const targetFolder = imp.target.includes('/') ? imp.target.split('/')[0]! : null
        if (targetFolder === null) {
          violations.push(`${m.file} imports the entry file ${imp.target}`)
          continue
        }
        if (targetFolder === m.folder) continue
        if (!(floorOf(targetFolder)! < floorOf(m.folder)!)) {
          violations.push(`${m.file} (floor ${floorOf(m.folder)}) imports ${imp.target} (floor ${floorOf(targetFolder)})`)
        }
      }
    }
    expect(violations).toEqual([])
  })

  it('keeps test runners out of everything below the runner entries', () => {
    const offenders = modules.flatMap((m) => m.imports.filter((i) => !i.typeOnly && RUNNER_PACKAGES.test(i.spec)).map((i) => `${m.file} imports ${i.spec}`))
    // vitest.ts and jest.ts are the runner entries; the Vitest failure recording reads vitest's recordArtifact.
    const allowed = new Set(['vitest.ts', 'jest.ts', 'runners/vitest-failure-recording.ts'])
    expect(offenders.filter((o) => !allowed.has(o.split(' ')[0]!))).toEqual([])
  })

  it('lets the adapter and the fake server share nothing but protocol/ and the pure floors below them', () => {
    const cross = modules.flatMap((m) =>
      m.imports
        .filter(
          (i) =>
            i.target && ((m.folder === 'adapter' && i.target.startsWith('fake-server/')) || (m.folder === 'fake-server' && i.target.startsWith('adapter/'))),
        )
        .map((i) => `${m.file} imports ${i.target}`),
    )
    expect(cross).toEqual([])
  })

  it('has no import cycle between modules', () => {
    const graph = new Map(modules.map((m) => [m.file, m.imports.filter((i) => i.target && !i.typeOnly).map((i) => i.target!)]))
    const cycles: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    const stack: string[] = []
    const visit = (file: string) => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(file)), file].join(' -> '))
        return
      }
      state.set(file, 'visiting')
      stack.push(file)
      for (const next of graph.get(file) ?? []) visit(next)
      stack.pop()
      state.set(file, 'done')
    }
    for (const file of graph.keys()) visit(file)
    expect(cycles).toEqual([])
  })
})
