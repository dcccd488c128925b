'use strict'
// Starts one simulator per test file (node --test runs files in separate processes),
// and counts the SDK's stream reader threads.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { once } = require('node:events')
const readline = require('node:readline')

const SIM_BIN =
  process.env.MOVEWORKS_SIMULATOR || path.resolve(__dirname, '../../target/debug/moveworks-simulator')

/** Spawns the simulator (with extra command-line `args`); resolves with its info line plus control helpers. */
async function startSim(args = []) {
  const child = spawn(SIM_BIN, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const rl = readline.createInterface({ input: child.stdout })
  const [line] = await once(rl, 'line')
  rl.close()
  const info = JSON.parse(line)
  async function control(method, route, body) {
    const res = await fetch(`${info.origin}/_sim/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`simulator ${route}: HTTP ${res.status} ${await res.text()}`)
    const text = await res.text()
    return text ? JSON.parse(text) : null
  }
  return {
    info,
    reset: () => control('POST', 'reset', {}),
    config: (patch) => control('POST', 'config', patch),
    faults: (faults) => control('POST', 'faults', { faults }),
    revokeTokens: () => control('POST', 'tokens/revoke', {}),
    requests: () => control('GET', 'requests'),
    /** POST /_sim/events: injects a system-initiated message; resolves to the event (wire JSON). */
    injectEvent: (spec) => control('POST', 'events', spec),
    /** POST /_sim/script: one action of the scripting vocabulary (user_token, add_user_message, ...); resolves to its answer. */
    script: (action, args = {}) => control('POST', 'script', { action, args }),
    /** GET /_sim/feedback: every feedback the API accepted, oldest first. */
    feedback: () => control('GET', 'feedback'),
    /** Client options pointing at this simulator. */
    options: (extra = {}) => ({
      baseUrl: info.base_url,
      assistantName: info.assistant_name,
      token: info.token,
      ...extra,
    }),
    /** Client options for the simulator's rest/v1 (its origin; the client appends the generation's path). */
    v1Options: (extra = {}) => ({
      baseUrl: info.origin,
      apiVersion: 'v1',
      assistantName: info.assistant_name,
      token: info.token,
      ...extra,
    }),
    /** A bearer for `userId` on rest/v1 (the `user_token` script action). */
    userToken: async (userId) => (await control('POST', 'script', { action: 'user_token', args: { user_id: userId } })).token,
    stop: () => {
      child.stdin.end()
      return once(child, 'exit')
    },
  }
}

/**
 * The SDK's stream reader threads alive in this process: a stream is read on a thread
 * of its own, named `moveworks-stream` (`comm` keeps its first 15 bytes).
 */
function readerThreads() {
  return fs.readdirSync('/proc/self/task').filter((t) => {
    try {
      return fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').startsWith('moveworks-strea')
    } catch {
      return false // the thread ended meanwhile
    }
  }).length
}

module.exports = { startSim, readerThreads }
