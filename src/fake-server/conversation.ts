/**
 * The conversation of one connection: items in order, in the GA wire shape (no `object` field, as live sends),
 * plus the audio the fake holds for them (user input, assistant output) and the text the reply function sees.
 */
import type { FakeHistoryEntry } from './types.js'

type Json = Record<string, unknown>
export type ItemStatus = 'completed' | 'incomplete' | 'in_progress'

export interface StoredItem {
  id: string
  type: 'message' | 'function_call' | 'function_call_output'
  status: ItemStatus
  role?: 'user' | 'assistant' | 'system'
  /** Wire content parts, without audio bytes. */
  content?: Json[]
  name?: string
  call_id?: string
  arguments?: string
  output?: string
  /** User input audio or the assistant audio actually sent. */
  audio?: Buffer
  source?: 'audio' | 'text'
  /** What the transcriber made of user audio, even when the session announces no transcription. */
  heard?: string
  /** Telephone keys found in user audio. */
  dtmf?: string
}

/** The item as `conversation.item.added/done` and `response.output_item.*` carry it. */
export function wireItem(item: StoredItem, withAudio = false): Json {
  const out: Json = { id: item.id, type: item.type, status: item.status }
  if (item.type === 'message') {
    out.role = item.role
    out.content = (item.content ?? []).map((part) => {
      const copy = { ...part }
      if (withAudio && item.audio && (part.type === 'input_audio' || part.type === 'output_audio')) copy.audio = item.audio.toString('base64')
      return copy
    })
  } else if (item.type === 'function_call') {
    out.name = item.name
    out.call_id = item.call_id
    out.arguments = item.arguments ?? ''
  } else {
    out.call_id = item.call_id
    out.output = item.output ?? ''
  }
  return out
}

/** The text of a message: its text parts and transcripts, joined. */
export function itemText(item: StoredItem): string {
  if (item.type === 'function_call_output') return item.output ?? ''
  if (item.type === 'function_call') return ''
  return (item.content ?? [])
    .map((p) => {
      if (typeof p.text === 'string') return p.text
      if (typeof p.transcript === 'string') return p.transcript
      return p.type === 'input_audio' ? (item.heard ?? '') : ''
    })
    .filter((t) => t !== '')
    .join(' ')
}

export class Conversation {
  private readonly items: StoredItem[] = []

  get lastId(): string | null {
    return this.items.length ? this.items[this.items.length - 1]!.id : null
  }

  has(id: string): boolean {
    return this.items.some((i) => i.id === id)
  }

  get(id: string): StoredItem | undefined {
    return this.items.find((i) => i.id === id)
  }

  /**
   * Insert after `previousItemId` ('root' = first; undefined = at the end). Returns the id of the item before
   * it (null at the start), or undefined when `previousItemId` does not exist.
   */
  insert(item: StoredItem, previousItemId?: string): string | null | undefined {
    if (previousItemId === undefined) {
      const prev = this.lastId
      this.items.push(item)
      return prev
    }
    if (previousItemId === 'root') {
      this.items.unshift(item)
      return null
    }
    const at = this.items.findIndex((i) => i.id === previousItemId)
    if (at < 0) return undefined
    this.items.splice(at + 1, 0, item)
    return previousItemId
  }

  delete(id: string): boolean {
    const at = this.items.findIndex((i) => i.id === id)
    if (at < 0) return false
    this.items.splice(at, 1)
    return true
  }

  /** True once any assistant audio is in the conversation (the voice can no longer change). */
  get hasAssistantAudio(): boolean {
    return this.items.some((i) => i.role === 'assistant' && (i.audio?.length ?? 0) > 0)
  }

  history(): FakeHistoryEntry[] {
    return this.items.map((item): FakeHistoryEntry => {
      const entry: FakeHistoryEntry = {
        itemId: item.id,
        role: item.type === 'function_call_output' ? 'tool' : item.type === 'function_call' ? 'assistant' : (item.role ?? 'user'),
        type: item.type,
        text: itemText(item),
        status: item.status,
      }
      if (item.source) entry.source = item.source
      if (item.type === 'function_call') {
        entry.toolCall = { name: item.name ?? '', arguments: item.arguments ?? '', callId: item.call_id ?? '' }
      }
      if (item.type === 'function_call_output') entry.callId = item.call_id ?? ''
      return entry
    })
  }
}
