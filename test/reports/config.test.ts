import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { configureVoiceArtifacts, resolveArtifactsOptions } from '../../src/reports/config.js'
import { artifactBaseName, artifactPaths, findProjectRoot, sanitizeFileName } from '../../src/reports/names.js'

const GLOBAL = Symbol.for('expect-voice.artifacts-config')
const root = fileURLToPath(new URL('../..', import.meta.url))

afterEach(() => {
  vi.unstubAllEnvs()
  delete (globalThis as Record<symbol, unknown>)[GLOBAL]
})

describe('artifacts options', () => {
  it("default: 'on-failure' into .voice-artifacts", () => {
    vi.stubEnv('EXPECT_VOICE_ARTIFACTS', '')
    vi.stubEnv('EXPECT_VOICE_ARTIFACTS_DIR', '')
    expect(resolveArtifactsOptions()).toEqual({ mode: 'on-failure', dir: '.voice-artifacts' })
  })

  it('per-test options beat configureVoiceArtifacts, which beats the environment', () => {
    vi.stubEnv('EXPECT_VOICE_ARTIFACTS', 'always')
    vi.stubEnv('EXPECT_VOICE_ARTIFACTS_DIR', 'env-dir')
    expect(resolveArtifactsOptions({})).toEqual({ mode: 'always', dir: 'env-dir' })
    configureVoiceArtifacts({ mode: 'off' })
    expect(resolveArtifactsOptions({})).toEqual({ mode: 'off', dir: 'env-dir' })
    configureVoiceArtifacts({ dir: 'global-dir' })
    expect(resolveArtifactsOptions({ mode: 'on-failure' })).toEqual({ mode: 'on-failure', dir: 'global-dir' })
    expect(resolveArtifactsOptions({ dir: '/abs' })).toEqual({ mode: 'off', dir: '/abs' })
  })

  it('names what is wrong', () => {
    expect(() => resolveArtifactsOptions({ mode: 'sometimes' as never })).toThrow(/"mode" must be 'off', 'on-failure' or 'always', got "sometimes"/)
    expect(() => configureVoiceArtifacts({ dir: ' ' })).toThrow(/configureVoiceArtifacts: option "dir" must be a non-empty path/)
    vi.stubEnv('EXPECT_VOICE_ARTIFACTS', 'yes')
    expect(() => resolveArtifactsOptions()).toThrow(/EXPECT_VOICE_ARTIFACTS must be 'off', 'on-failure' or 'always', got "yes"/)
  })
})

describe('artifact file names', () => {
  it('come from the test file (relative to the project root) and the test name, sanitised', () => {
    const file = join(root, 'test/booking/booking.test.ts')
    expect(findProjectRoot(file)).toBe(resolve(root))
    expect(artifactBaseName(file, 'booking > books a table for 2 @ 7pm', root)).toBe('test-booking-booking.test__booking-books-a-table-for-2-7pm')
    expect(artifactBaseName(undefined, 'café: ünïcode / ok?', root)).toBe('cafe-unicode-ok')
    expect(artifactBaseName(undefined, '???', root)).toBe('test')
    expect(sanitizeFileName('../../etc/passwd')).toBe('etc-passwd')
  })

  it('stay short and distinct for long names', () => {
    const a = artifactBaseName(undefined, `${'very long test name '.repeat(20)}A`, root)
    const b = artifactBaseName(undefined, `${'very long test name '.repeat(20)}B`, root)
    expect(a.length).toBeLessThanOrEqual(120)
    expect(a).not.toBe(b)
    expect(a).toMatch(/-[0-9a-f]{8}$/)
  })

  it('go into the configured folder, relative to the project root', () => {
    const file = join(root, 'test/x.test.ts')
    expect(artifactPaths({ dir: '.voice-artifacts', testFile: file, testName: 'a b' })).toEqual({
      root: resolve(root),
      wav: join(root, '.voice-artifacts', 'test-x.test__a-b.wav'),
      timeline: join(root, '.voice-artifacts', 'test-x.test__a-b.timeline.svg'),
    })
    expect(artifactPaths({ dir: '/tmp/rec', testFile: file, testName: 'a' }).wav).toBe('/tmp/rec/test-x.test__a.wav')
  })
})
