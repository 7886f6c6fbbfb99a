/**
 * True for ws/wss/http(s) URLs whose host is a loopback address: 127.x.x.x, ::1, localhost and *.localhost (the fake
 * server, the replay server and the recording proxy, which need no key). 0.0.0.0 and [::] are not: as a destination
 * they may reach another host, so nothing treats them as local.
 */
export function isLoopbackUrl(url: string): boolean {
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return false
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}
