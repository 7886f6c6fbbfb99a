import { execFileSync } from 'node:child_process'
import RealWebSocket, { WebSocketServer as RealWebSocketServer } from 'ws'
import { describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from '../../src/ws/lazy-ws.js'

describe('lazy ws', () => {
  it('has the readyState constants of ws', () => {
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([
      RealWebSocket.CONNECTING,
      RealWebSocket.OPEN,
      RealWebSocket.CLOSING,
      RealWebSocket.CLOSED,
    ])
  })

  it('constructs ws instances that talk to each other', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    expect(server).toBeInstanceOf(RealWebSocketServer)
    await new Promise((resolve) => server.once('listening', resolve))
    server.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo ${data.toString()}`)))
    const port = (server.address() as { port: number }).port
    const client = new WebSocket(`ws://127.0.0.1:${port}`)
    expect(client).toBeInstanceOf(RealWebSocket)
    await new Promise((resolve) => client.once('open', resolve))
    const reply = await new Promise<string>((resolve) => {
      client.once('message', (data) => resolve(data.toString()))
      client.send('hi')
    })
    expect(reply).toBe('echo hi')
    client.close()
    await new Promise((resolve) => server.close(resolve))
  })

  it('is not loaded by importing the built package (ESM or CJS)', () => {
    // Needs dist/ (npm test builds it first).
    const esm = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import 'expect-voice'; import { createRequire } from 'node:module'; const r = createRequire(import.meta.url); console.log(Object.keys(r.cache).some((f) => /node_modules[\\\\/]ws[\\\\/]/.test(f)))",
      ],
      { encoding: 'utf8' },
    )
    const cjs = execFileSync(
      process.execPath,
      ['-e', "require('expect-voice'); console.log(Object.keys(require.cache).some((f) => /node_modules[\\\\/]ws[\\\\/]/.test(f)))"],
      { encoding: 'utf8' },
    )
    expect([esm.trim(), cjs.trim()]).toEqual(['false', 'false'])
  })
})
