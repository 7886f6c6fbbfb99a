import { InvalidOptionError } from '../errors/index.js'

/** When the fixtures write a recording of the conversation: never, when the test failed (default), or for every test. */
export type VoiceArtifactsMode = 'off' | 'on-failure' | 'always'

export interface VoiceArtifactsOptions {
  /** Default `'on-failure'`; env `EXPECT_VOICE_ARTIFACTS`. */
  mode?: VoiceArtifactsMode
  /**
   * Where the files go. Default `.voice-artifacts` at the project root (the nearest folder above the test file that
   * holds a package.json); env `EXPECT_VOICE_ARTIFACTS_DIR`. A relative path is taken from that root.
   */
  dir?: string
}

export interface ResolvedVoiceArtifactsOptions {
  mode: VoiceArtifactsMode
  /** As configured: relative paths are resolved against the project root when a test's files are named. */
  dir: string
}

export const DEFAULT_ARTIFACTS_DIR = '.voice-artifacts'
const MODES: readonly VoiceArtifactsMode[] = ['off', 'on-failure', 'always']
const CONFIG_KEY = Symbol.for('expect-voice.artifacts-config')
type WithConfig = typeof globalThis & { [CONFIG_KEY]?: VoiceArtifactsOptions }

function checkOptions(where: string, options: unknown): VoiceArtifactsOptions {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object') throw new InvalidOptionError(`${where}: options must be an object, got ${typeof options}`)
  const { mode, dir } = options as VoiceArtifactsOptions
  if (mode !== undefined && !MODES.includes(mode)) {
    throw new InvalidOptionError(`${where}: option "mode" must be 'off', 'on-failure' or 'always', got ${JSON.stringify(mode)}`)
  }
  if (dir !== undefined && (typeof dir !== 'string' || dir.trim() === '')) {
    throw new InvalidOptionError(`${where}: option "dir" must be a non-empty path, got ${JSON.stringify(dir)}`)
  }
  return { mode, dir }
}

/**
 * Sets the process-wide defaults for conversation recordings (e.g. in a setup file). Per-test options (the
 * `voiceArtifacts` fixture in Vitest, `useVoiceAgent({ artifacts })` in Jest) take precedence; these take precedence
 * over the environment variables.
 */
export function configureVoiceArtifacts(options: VoiceArtifactsOptions): void {
  const checked = checkOptions('configureVoiceArtifacts', options)
  const g = globalThis as WithConfig
  const current = (g[CONFIG_KEY] ??= {})
  if (checked.mode !== undefined) current.mode = checked.mode
  if (checked.dir !== undefined) current.dir = checked.dir
}

/** The options in force: per-test overrides, then `configureVoiceArtifacts`, then the environment, then defaults. */
export function resolveArtifactsOptions(overrides?: VoiceArtifactsOptions): ResolvedVoiceArtifactsOptions {
  const local = checkOptions('voiceArtifacts', overrides)
  const global = (globalThis as WithConfig)[CONFIG_KEY] ?? {}
  const envMode = process.env.EXPECT_VOICE_ARTIFACTS?.trim() || undefined
  if (envMode && !MODES.includes(envMode as VoiceArtifactsMode)) {
    throw new InvalidOptionError(`EXPECT_VOICE_ARTIFACTS must be 'off', 'on-failure' or 'always', got ${JSON.stringify(envMode)}`)
  }
  const envDir = process.env.EXPECT_VOICE_ARTIFACTS_DIR?.trim()
  return {
    mode: local.mode ?? global.mode ?? (envMode as VoiceArtifactsMode | undefined) ?? 'on-failure',
    dir: local.dir ?? global.dir ?? (envDir || undefined) ?? DEFAULT_ARTIFACTS_DIR,
  }
}
