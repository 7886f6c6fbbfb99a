import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'

const MAX_NAME = 120

/** The nearest folder at or above `fromFile`'s folder that holds a package.json; else the working directory. */
export function findProjectRoot(fromFile: string | undefined): string {
  if (fromFile) {
    let dir = dirname(resolve(fromFile))
    for (;;) {
      if (existsSync(join(dir, 'package.json'))) return dir
      const parent = dirname(dir)
      if (parent === dir) break
      dir = parent
    }
  }
  return process.cwd()
}

/** Letters, digits, `.`, `_` and `-` only; runs of anything else become one `-`. */
export function sanitizeFileName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
}

/**
 * A file name (no extension) for a test's artifacts: the test file's path from the project root (without its
 * extension) and the test's full name, sanitised, e.g. `test-booking.test__books-a-table`. Names longer than 120
 * characters are cut and end with a hash of the full name, so different tests never share files.
 */
export function artifactBaseName(testFile: string | undefined, testName: string, root: string): string {
  let file = ''
  if (testFile) {
    const rel = isAbsolute(testFile) ? relative(root, testFile) : testFile
    file = sanitizeFileName(
      rel
        .split(sep)
        .join('/')
        .replace(/\.[cm]?[jt]sx?$/, ''),
    )
  }
  const name = sanitizeFileName(testName) || 'test'
  const full = file ? `${file}__${name}` : name
  if (full.length <= MAX_NAME) return full
  const hash = createHash('sha1')
    .update(`${testFile ?? ''}\n${testName}`)
    .digest('hex')
    .slice(0, 8)
  return `${full.slice(0, MAX_NAME - 9).replace(/[-.]+$/, '')}-${hash}`
}

/** Where a test's files go: `dir` (relative to the project root) / base name. */
export function artifactPaths(options: { dir: string; testFile?: string; testName: string }): { root: string; wav: string; timeline: string } {
  const root = findProjectRoot(options.testFile)
  const dir = resolve(root, options.dir)
  const base = artifactBaseName(options.testFile, options.testName, root)
  return { root, wav: join(dir, `${base}.wav`), timeline: join(dir, `${base}.timeline.svg`) }
}
