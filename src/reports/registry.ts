/**
 * Process-wide bookkeeping shared by the fixtures (which plan and write recordings) and the matchers (which mention a
 * planned recording in their failure message, and note that they failed). Kept on `globalThis` under `Symbol.for`
 * so that the ESM and CJS builds, loaded side by side, agree.
 */
import type { VoiceArtifactsMode } from './config.js'

/** Where the fixture will write the recording of the current test's conversation. */
export interface RecordingPlan {
  mode: VoiceArtifactsMode
  /** Absolute paths. */
  wav: string
  timeline: string
}

interface Registry {
  plans: WeakMap<object, RecordingPlan>
  failedMatchers: WeakMap<object, string[]>
}

const KEY = Symbol.for('expect-voice.recordings')
type WithRegistry = typeof globalThis & { [KEY]?: Registry }

function registry(): Registry {
  const g = globalThis as WithRegistry
  return (g[KEY] ??= { plans: new WeakMap(), failedMatchers: new WeakMap() })
}

export function setRecordingPlan(agent: object, plan: RecordingPlan | null): void {
  if (plan) registry().plans.set(agent, plan)
  else registry().plans.delete(agent)
}

export function recordingPlanFor(agent: unknown): RecordingPlan | undefined {
  return agent !== null && typeof agent === 'object' ? registry().plans.get(agent) : undefined
}

/** Notes that a voice matcher failed on `agent` (Jest uses it when it cannot see the test's own state). */
export function noteMatcherFailure(agent: unknown, matcher: string): void {
  if (agent === null || typeof agent !== 'object') return
  const list = registry().failedMatchers.get(agent) ?? []
  list.push(matcher)
  registry().failedMatchers.set(agent, list)
}

/** Names of the voice matchers that failed on `agent` since the last call; clears the list. */
export function takeMatcherFailures(agent: object): string[] {
  const list = registry().failedMatchers.get(agent) ?? []
  registry().failedMatchers.delete(agent)
  return list
}
