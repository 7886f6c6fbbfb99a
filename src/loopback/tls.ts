/**
 * TLS material for wss:// mode. The official `openai` client only dials wss:// (its realtime client forces the protocol), so the fake must
 * speak TLS for it; clients trust it by passing `server.ca` as the socket's `ca`.
 */
import { testCertificate } from './tls-certificate.js'

export interface TlsMaterial {
  cert: string
  key: string
  /** What a client passes as `ca`: the (self-signed) certificate itself. */
  ca: string
}

export function tlsMaterial(option: true | { cert: string; key: string }): TlsMaterial {
  if (option === true) {
    const { cert, key } = testCertificate()
    return { cert, key, ca: cert }
  }
  return { cert: option.cert, key: option.key, ca: option.cert }
}
