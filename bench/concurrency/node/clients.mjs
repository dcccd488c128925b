// Node rows of the concurrency benchmark (bench/concurrency/README.md): N streamed turns
// at once in one process.
//
//   node clients.mjs <row> --base-url URL --token T --assistant NAME
//       --conversations FILE --streams N [--pkg DIR]
//
// Rows: `node.sdk` (`for await` over `client.streamResponse`, the package
// bench/node/build.sh prepared under target/bench/node/pkg, or --pkg), `node.fetch`
// (global fetch, the body's chunks fed to eventsource-parser, JSON.parse per event).
// Every turn reads every event and must end with RESPONSE_COMPLETED. The event loop's
// lag is perf_hooks.monitorEventLoopDelay (10 ms resolution); `main_thread` breaks the
// loop's stalls down into time on a CPU, waiting for one, and blocked (Linux). The last
// stdout line is one JSON object (the row); progress goes to stderr.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { createParser } from 'eventsource-parser'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const TEXT = 'concurrency benchmark'

function parseArgs(argv) {
  const a = { row: argv[0], streams: 0, answerMs: 5000, pkg: path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'bench', 'node', 'pkg') }
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    if (!(key in a) && !['baseUrl', 'token', 'assistant', 'conversations'].includes(key)) throw new Error(`unknown option ${argv[i]}`)
    a[key] = typeof a[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1]
  }
  return a
}

const log = (msg) => process.stderr.write(msg + '\n')

function procStatus() {
  const out = {}
  for (const line of fs.readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const [key, value] = line.split(':')
    if (['VmHWM', 'VmRSS', 'Threads'].includes(key)) out[key] = parseInt(value, 10)
  }
  return out
}

function sdkRow(a) {
  const { Client } = createRequire(import.meta.url)(a.pkg)
  const client = new Client({ baseUrl: a.baseUrl, token: a.token, assistantName: a.assistant })
  return async (conversation, onEvent) => {
    let events = 0
    let last = null
    for await (const event of client.streamResponse(conversation, TEXT)) {
      onEvent()
      events++
      last = event.event
    }
    if (last !== 'RESPONSE_COMPLETED') throw new Error(`turn ended with ${last}`)
    return events
  }
}

function fetchRow(a) {
  const headers = {
    Authorization: `Bearer ${a.token}`,
    'Assistant-Name': a.assistant,
    Accept: 'text/event-stream',
    'Content-Type': 'application/json',
  }
  const body = JSON.stringify({ input: { text: TEXT } })
  return async (conversation, onEvent) => {
    const res = await fetch(`${a.baseUrl}/conversations/${conversation}/responses/stream`, { method: 'POST', headers, body })
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
    let events = 0
    let last = null
    const parser = createParser({
      onEvent(e) {
        JSON.parse(e.data)
        onEvent()
        events++
        last = e.event
      },
    })
    const decoder = new TextDecoder()
    for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }))
    if (last !== 'RESPONSE_COMPLETED') throw new Error(`turn ended with ${last}`)
    return events
  }
}

const ROWS = { 'node.sdk': sdkRow, 'node.fetch': fetchRow }

/** The main thread's scheduler counters (Linux): ns on a CPU, ns runnable but waiting for one. */
function schedstat() {
  try {
    const [run, wait] = fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number)
    return { run, wait }
  } catch {
    return null
  }
}

/**
 * What the event loop's stalls were made of: a 10 ms timer records every run of the loop
 * that came over 25 ms late, with the main thread's time on a CPU and waiting for one in
 * between (the rest it was blocked, on a lock or in a system call). `stop(t0)` gives the
 * totals since the start and the stalls, times from `t0`.
 */
function stallRecorder() {
  const first = schedstat()
  if (first === null) return { stop: () => null }
  const stalls = []
  let at = performance.now()
  let last = first
  const timer = setInterval(() => {
    const now = performance.now()
    const s = schedstat()
    if (now - at > 25) stalls.push({ at, late_ms: now - at - 10, run_ms: (s.run - last.run) / 1e6, runqueue_ms: (s.wait - last.wait) / 1e6 })
    at = now
    last = s
  }, 10)
  return {
    stop(t0) {
      clearInterval(timer)
      const end = schedstat()
      const round = (x) => +x.toFixed(1)
      const blocked = stalls.reduce((sum, x) => sum + Math.max(0, x.late_ms + 10 - x.run_ms - x.runqueue_ms), 0)
      return {
        run_ms: round((end.run - first.run) / 1e6),
        runqueue_ms: round((end.wait - first.wait) / 1e6),
        blocked_in_stalls_ms: round(blocked),
        stalls: stalls.map((x) => ({ at_ms: round(x.at - t0), late_ms: round(x.late_ms), run_ms: round(x.run_ms), runqueue_ms: round(x.runqueue_ms) })),
      }
    },
  }
}

async function main() {
  const a = parseArgs(process.argv.slice(2))
  if (!(a.row in ROWS)) throw new Error(`row must be one of ${Object.keys(ROWS)}`)
  const conversations = JSON.parse(fs.readFileSync(a.conversations, 'utf8')).slice(0, a.streams)
  if (conversations.length < a.streams) throw new Error(`${a.conversations} has fewer than ${a.streams} conversations`)
  const turn = ROWS[a.row](a)
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  await new Promise((r) => setTimeout(r, 100))
  const stalls = stallRecorder()
  const firsts = []
  const turns = []
  const errors = []
  const starts = new Array(a.streams).fill(0)
  let events = 0
  const burst = performance.now()
  await Promise.all(
    conversations.map(async (conversation, i) => {
      const t0 = (starts[i] = performance.now())
      let first = null
      try {
        events += await turn(conversation, () => {
          if (first === null) first = performance.now()
        })
      } catch (e) {
        errors.push(`${e.name}: ${e.message}`)
        return
      }
      const end = performance.now()
      firsts.push(+((first ?? end) - t0).toFixed(2))
      turns.push(+(end - t0).toFixed(2))
    }),
  )
  const wall = (performance.now() - burst) / 1000
  lag.disable()
  const mainThread = stalls.stop(burst)
  const status = procStatus()
  const row = {
    id: a.row,
    streams: a.streams,
    first_event_ms: firsts,
    turn_ms: turns,
    start_spread_ms: +(Math.max(...starts) - burst).toFixed(2),
    // monitorEventLoopDelay records the interval between its 10 ms timer's runs (ns): the lag
    // is what exceeds the 10 ms, as the Python ticker's oversleep.
    lag_max_ms: +(lag.max / 1e6 - 10).toFixed(2),
    lag_p99_ms: +(lag.percentile(99) / 1e6 - 10).toFixed(2),
    errors: errors.length,
    error_samples: errors.slice(0, 5),
    events,
    wall_s: +wall.toFixed(3),
    peak_rss_kb: status.VmHWM,
    threads_at_end: status.Threads,
    main_thread: mainThread,
  }
  log(`${a.row} x${a.streams}: ${row.errors} errors, wall ${row.wall_s} s, peak RSS ${row.peak_rss_kb} kB`)
  process.stdout.write(JSON.stringify(row) + '\n')
  process.exit(0) // do not wait for pooled keep-alive sockets
}

main().catch((e) => {
  log(`FAILED: ${e.stack || e}`)
  process.exit(1)
})
