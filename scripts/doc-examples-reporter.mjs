// Vitest reporter for scripts/doc-examples.mjs: writes each test file's outcome, with the error messages as thrown
// (no diff decoration), to the JSON file named by DOC_EXAMPLES_RESULTS.
import { writeFileSync } from 'node:fs'

const error = (e) => ({ message: e.message ?? String(e), stack: e.stack })

export default class DocExamplesReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const modules = testModules.map((m) => ({
      moduleId: m.moduleId,
      errors: m.errors().map(error),
      tests: [...m.children.allTests()].map((t) => {
        const r = t.result()
        return { fullName: t.fullName, state: r.state, errors: (r.errors ?? []).map(error) }
      }),
    }))
    writeFileSync(process.env.DOC_EXAMPLES_RESULTS, JSON.stringify({ modules, unhandledErrors: unhandledErrors.map(error) }))
    if (unhandledErrors.length) console.error('unhandled errors:\n' + unhandledErrors.map((e) => e.stack ?? e.message).join('\n'))
  }
}
