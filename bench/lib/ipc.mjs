/**
 * Parent/child plumbing for the benchmarks: every measurement runs in its own fresh Node process, and every fake
 * server in yet another one, so the process whose CPU, memory and event loop we measure does nothing else.
 *
 * Protocol (Node IPC): the parent sends `{ id, cmd, args }`, the child answers `{ id, ok, result | error }`.
 * A child announces itself with `{ ready: true, ... }` and reports a final result with `{ result }` (one-shot
 * measurement scripts). Every child exits when its parent goes away (IPC 'disconnect'), so nothing outlives the
 * bench even if it is killed.
 */
import { fork } from 'node:child_process'

const live = new Set()

/** Kill every child still running (by the pid we started). Called on exit and on signals. */
export function killChildren() {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  live.clear()
}

/** Kill `child` (a process this bench spawned itself) if the bench exits first. */
export function trackProcess(child) {
  hookExit()
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

let hooked = false
function hookExit() {
  if (hooked) return
  hooked = true
  process.once('exit', killChildren)
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      killChildren()
      process.exit(130)
    })
  }
}

/**
 * Starts `script` with IPC. Returns helpers to send requests, wait for the ready message or the one-shot
 * result, and to stop it. stdout/stderr are captured (not inherited) unless `inherit` is set.
 */
export function startChild(script, { args = [], execArgv = [], env, timeoutMs = 120_000, inherit = false, cwd } = {}) {
  hookExit()
  const child = fork(script, args, {
    execArgv,
    env: { ...process.env, ...env },
    cwd,
    stdio: inherit ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  })
  live.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d) => (stdout += d))
  child.stderr?.on('data', (d) => (stderr += d))
  let seq = 0
  const pending = new Map()
  let onReady
  let onResult
  const ready = new Promise((resolve, reject) => (onReady = { resolve, reject }))
  const result = new Promise((resolve, reject) => (onResult = { resolve, reject }))
  ready.catch(() => {})
  result.catch(() => {})
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child)
      clearTimeout(timer)
      const why = new Error(`${script} exited (${signal ?? code}) ${stderr.trim().slice(-2000)}`)
      onReady.reject(why)
      onResult.reject(why)
      for (const p of pending.values()) p.reject(why)
      pending.clear()
      resolve({ code, signal })
    })
  })
  const timer = setTimeout(() => {
    const why = new Error(`${script} timed out after ${timeoutMs} ms ${stderr.trim().slice(-2000)}`)
    onReady.reject(why)
    onResult.reject(why)
    child.kill('SIGKILL')
  }, timeoutMs)
  child.on('message', (msg) => {
    if (!msg || typeof msg !== 'object') return
    if (typeof msg.id === 'number' && pending.has(msg.id)) {
      const p = pending.get(msg.id)
      pending.delete(msg.id)
      if (msg.ok) p.resolve(msg.result)
      else p.reject(new Error(`${script} ${p.cmd}: ${msg.error}`))
    } else if (msg.ready) onReady.resolve(msg)
    else if ('result' in msg) onResult.resolve(msg.result)
    else if ('failure' in msg) onResult.reject(new Error(`${script}: ${msg.failure}`))
  })
  return {
    child,
    ready,
    result,
    exited,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    request(cmd, args) {
      const id = ++seq
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, cmd })
        child.send({ id, cmd, args })
      })
    },
    /** Ask politely (`shutdown` request or IPC disconnect), then kill if it does not exit within `graceMs`. */
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs)
      try {
        if (child.connected) child.disconnect()
      } catch {
        // already disconnected
      }
      const r = await exited
      clearTimeout(kill)
      return r
    },
  }
}

/** Child side: answer `{ id, cmd, args }` requests with the given handlers; exit when the parent goes away. */
export function serveRequests(handlers, onDisconnect) {
  process.on('message', async (msg) => {
    if (!msg || typeof msg.id !== 'number') return
    const handler = handlers[msg.cmd]
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`)
      const result = await handler(msg.args ?? {})
      process.send({ id: msg.id, ok: true, result })
    } catch (err) {
      process.send({ id: msg.id, ok: false, error: err?.stack ?? String(err) })
    }
  })
  process.on('disconnect', () => {
    Promise.resolve(onDisconnect?.()).finally(() => process.exit(0))
  })
}

/**
 * Child side of a one-shot measurement: run `fn`, send its result (or failure), then leave. Run by hand (no IPC
 * channel), it prints the result as JSON instead.
 */
export async function reportResult(fn) {
  if (!process.send) {
    try {
      process.stdout.write(`${JSON.stringify(await fn(), null, 2)}\n`)
    } catch (err) {
      process.stderr.write(`${err?.stack ?? err}\n`)
      process.exitCode = 1
    }
    return
  }
  try {
    const result = await fn()
    process.send({ result })
  } catch (err) {
    process.send({ failure: err?.stack ?? String(err) })
  }
  // Let the IPC message flush, then disconnect so the process can exit on its own.
  await new Promise((resolve) => setImmediate(resolve))
  if (process.connected) process.disconnect()
}
