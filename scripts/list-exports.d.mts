/** Package entry → the file name of its build in dist/. */
export const ENTRIES: Record<string, string>
/** `value name` / `type name` lines of what a declaration file exports, sorted by name. */
export function listExports(declarationFile: string): string[]
/** `listExports` of every entry's built declarations. */
export function listAllExports(): Record<string, string[]>
