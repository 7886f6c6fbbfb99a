/**
 * `ws`, loaded when the first socket or server is created rather than when `expect-voice` is imported.
 *
 * ws is CommonJS: importing it from ESM makes Node build an ESM facade for each of its files (cjs-module-lexer),
 * ~60–150 ms on the machines we measured (`npm run bench`), paid by every test file that imports expect-voice, even
 * the ones that never open a socket. A synchronous `createRequire` keeps the constructors synchronous; its base is
 * `import.meta.url`, which the CJS build shims to the chunk's own file URL (a bare `require` is a stub that throws in
 * esbuild's ESM output, and a global `__filename` can be `[eval]` under `node -e`).
 *
 * Drop-in for `import WebSocket, { WebSocketServer } from 'ws'`: `new WebSocket(...)` returns ws's own instance,
 * and the readyState constants (`WebSocket.OPEN`, ...) are available without loading anything. Not for
 * `instanceof` checks (use ws's own class for that).
 */
import { createRequire } from 'node:module'
import type WsWebSocket from 'ws'
import type { WebSocketServer as WsWebSocketServer } from 'ws'

type WsModule = typeof WsWebSocket & { WebSocketServer: typeof WsWebSocketServer }

let loaded: WsModule | undefined

function ws(): WsModule {
  loaded ??= createRequire(import.meta.url)('ws') as WsModule
  return loaded
}

class LazyWebSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  constructor(...args: ConstructorParameters<typeof WsWebSocket>) {
    const Real = ws()
    // biome-ignore lint/correctness/noConstructorReturn: the point of the class: `new` gives ws's own instance
    return new Real(...args)
  }
}

class LazyWebSocketServer {
  constructor(...args: ConstructorParameters<typeof WsWebSocketServer>) {
    // biome-ignore lint/correctness/noConstructorReturn: `new` gives ws's own server
    return new (ws().WebSocketServer)(...args)
  }
}

export const WebSocket = LazyWebSocket as unknown as typeof WsWebSocket
export type WebSocket = WsWebSocket
export const WebSocketServer = LazyWebSocketServer as unknown as typeof WsWebSocketServer
export type WebSocketServer = WsWebSocketServer
export type { ClientOptions, RawData } from 'ws'
