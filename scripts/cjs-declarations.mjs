/**
 * The CommonJS declarations (`dist/*.d.cts`), made from the ESM ones after `tsup`: both declaration builds bundle
 * the same entries from the same sources and differ only in the extension of the files they import, so one build
 * and a rename replace a second run of the TypeScript compiler (the slowest step of `npm run build`).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'

const dist = new URL('../dist/', import.meta.url)
const RELATIVE_JS = /(['"])(\.\.?\/[^'"]+)\.js\1/g
let files = 0
for (const name of await readdir(dist)) {
  if (!name.endsWith('.d.ts')) continue
  const text = await readFile(new URL(name, dist), 'utf8')
  await writeFile(new URL(name.replace(/\.d\.ts$/, '.d.cts'), dist), text.replace(RELATIVE_JS, '$1$2.cjs$1'))
  files++
}
if (files === 0) throw new Error('scripts/cjs-declarations.mjs: no dist/*.d.ts (run tsup first)')
