/**
 * Frame → event: what the adapter makes of each WebSocket message before the reducer sees it. Binary, non-JSON and
 * typeless frames are skipped (named on the timeline), never fatal; legacy beta event names are mapped to GA ones.
 */
import type { RawData } from '../ws/lazy-ws.js'
import type { ServerEvent } from '../protocol/events.js'
import { gaEventType } from '../conversation/reducer.js'

export type DecodedFrame = { event: ServerEvent; type: string; legacyType?: string } | { skipped: string }

export function decodeFrame(data: RawData, isBinary: boolean): DecodedFrame {
  if (isBinary) return { skipped: '(binary frame skipped)' }
  let event: ServerEvent
  try {
    event = JSON.parse(data.toString())
  } catch {
    return { skipped: '(non-JSON frame skipped)' }
  }
  if (!event || typeof event !== 'object' || typeof event.type !== 'string') return { skipped: '(frame without a type skipped)' }
  const alias = gaEventType(event.type)
  return alias ? { event, type: alias, legacyType: event.type } : { event, type: event.type }
}
