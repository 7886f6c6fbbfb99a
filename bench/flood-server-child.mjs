/**
 * A hostile realtime server in its own process, for bench/flood-client.mjs: it configures the session like the live
 * API (`session.updated`), and when the user's text turn arrives it floods the client with `count` events of one
 * `kind`: `errors` (error events of about 300 bytes, each with its own code) or `types` (events whose `type` is a
 * unique 1 MB string). Then it sends one `bench.flood.done`.
 *
 *   start { kind, count } -> { url }
 */
import { WebSocketServer } from 'ws'
import { serveRequests } from './lib/ipc.mjs'

let server = null

function flood(socket, kind, count) {
  for (let i = 0; i < count; i++) {
    if (kind === 'errors') {
      socket.send(
        JSON.stringify({
          type: 'error',
          event_id: `event_${i}`,
          error: { type: 'server_error', code: `flood_${i}`, message: `error number ${i} of a flood `.padEnd(240, '.'), param: null },
        }),
      )
    } else {
      socket.send(JSON.stringify({ type: `flood_${i}_`.padEnd(1_000_000, 'x') }))
    }
  }
  socket.send(JSON.stringify({ type: 'bench.flood.done' }))
}

serveRequests(
  {
    async start({ kind, count }) {
      server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
      await new Promise((resolve) => server.once('listening', resolve))
      server.on('connection', (socket) => {
        socket.on('message', (data) => {
          const event = JSON.parse(data.toString())
          if (event.type === 'session.update') socket.send(JSON.stringify({ type: 'session.updated', session: { type: 'realtime' } }))
          if (event.type === 'conversation.item.create') flood(socket, kind, count)
        })
      })
      return { url: `ws://127.0.0.1:${server.address().port}/v1/realtime` }
    },
  },
  () => new Promise((resolve) => (server ? server.close(resolve) : resolve())),
)
process.send({ ready: true })
