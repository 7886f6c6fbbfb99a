/**
 * The THROWAWAY, PUBLIC test certificate for the `tls` mode of the local servers, read from `certs/` at the package
 * root (shipped once, in files whose names say what they are; see certs/README.md). The private key protects
 * nothing: it only lets a test client trust a server on 127.0.0.1 / localhost.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ExpectVoiceError } from '../errors/index.js'

const CERTIFICATE_FILE = 'throwaway-test-certificate.pem'
const PRIVATE_KEY_FILE = 'throwaway-test-private-key.pem'

let loaded: { cert: string; key: string } | undefined

/** The test certificate and its key (read once). */
export function testCertificate(): { cert: string; key: string } {
  if (!loaded) {
    const dir = certificateDir()
    loaded = { cert: readFileSync(join(dir, CERTIFICATE_FILE), 'utf8'), key: readFileSync(join(dir, PRIVATE_KEY_FILE), 'utf8') }
  }
  return loaded
}

/** `certs/` of this package: beside `dist/` for the build, two levels up from this file in the sources. */
function certificateDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'certs')
    if (existsSync(join(candidate, CERTIFICATE_FILE))) return candidate
    dir = dirname(dir)
  }
  throw new ExpectVoiceError(`the throwaway test certificate (certs/${CERTIFICATE_FILE}) is missing from the expect-voice package`)
}
