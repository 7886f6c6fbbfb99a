import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LoopbackAddress {
  port: number
  /** `ws(s)://127.0.0.1:PORT/v1/realtime` */
  url: string
  /** `http(s)://127.0.0.1:PORT/v1`, for `new OpenAI({ baseURL })` */
  baseURL: string
}

/** Listens on 127.0.0.1, port 0 (a free port), and names the realtime endpoint the way clients dial it. */
export async function listenOnLoopback(http: Server, tls: boolean): Promise<LoopbackAddress> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(0, '127.0.0.1', () => {
      http.off('error', reject)
      resolve()
    })
  })
  const port = (http.address() as AddressInfo).port
  const host = `127.0.0.1:${port}`
  return { port, url: `${tls ? 'wss' : 'ws'}://${host}/v1/realtime`, baseURL: `${tls ? 'https' : 'http'}://${host}/v1` }
}
