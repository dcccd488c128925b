// Streamed turns through the Node package, at scale (issue #23): not part of the test
// command. Starts the simulator itself (target/release/moveworks-simulator, or
// $MOVEWORKS_SIMULATOR) and loads the package from --pkg (default: what
// bench/node/build.sh prepared under target/bench/node/pkg).
//
//   node --expose-gc bench/node/streams.mjs abandon [--streams 10000] [--how drop|break]
//       Opens streams one after another, reads each one's first event and abandons it:
//       `drop` stops reading and drops the last reference without close() (the garbage
//       collector must release it), `break` leaves a `for await` (which closes it).
//       Reports RSS, threads and open fds after a 200-stream warm-up and at the end,
//       both after forced collections (--expose-gc is required).
//   node bench/node/streams.mjs concurrent [--streams 1000] [--answer-ms 5000]
//       Starts N streamed turns at once, each read to its end with `for await`, and
//       reports first event after the request (p50/p99), turn time (p50/p99), the event
//       loop's lag (perf_hooks.monitorEventLoopDelay, 10 ms resolution), a
//       getConversation made 1 s in (it must not wait behind the streams), peak
//       threads and RSS.
//   node bench/node/streams.mjs events [--events 10000] [--runs 3]
//       One turn of N RESPONSE_OUTPUT_DELTA events written at once (a `raw` fault):
//       events/s of a `for await` loop and the process's CPU time per event.
//
// Progress goes to stderr; the last stdout line is one JSON object with the figures.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target')
const require = createRequire(import.meta.url)

function parseArgs(argv) {
  const a = { mode: argv[0], streams: 0, how: 'drop', answerMs: 5000, events: 10000, runs: 3, pkg: path.join(TARGET, 'bench', 'node', 'pkg') }
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    if (!(key in a)) throw new Error(`unknown option ${argv[i]}`)
    a[key] = typeof a[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1]
  }
  return a
}

const log = (msg) => process.stderr.write(msg + '\n')

function status() {
  const out = {}
  for (const line of fs.readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const [key, value] = line.split(':')
    if (['VmHWM', 'VmRSS', 'Threads'].includes(key)) out[key] = parseInt(value, 10)
  }
  const heapKb = Math.round(process.memoryUsage().heapUsed / 1024)
  return { rssKb: out.VmRSS, peakRssKb: out.VmHWM, heapKb, threads: out.Threads, fds: fs.readdirSync('/proc/self/fd').length }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
const ms = (x) => Math.round(x * 10) / 10

async function startSimulator() {
  process.env.MOVEWORKS_SIMULATOR ||= path.join(TARGET, 'release', 'moveworks-simulator')
  const { startSim } = require(path.join(ROOT, 'node', 'test', 'sim.js'))
  return startSim()
}

/** Collects garbage until finalizers ran (native objects are freed a tick after their JS wrapper). */
async function collect() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc()
    await tick()
  }
  await sleep(200) // closed streams' reader threads end within ~20 ms
  globalThis.gc()
}

async function abandon(a, mw, sim) {
  if (!globalThis.gc) throw new Error('run with node --expose-gc')
  const streams = a.streams || 10000
  await sim.config({ response_duration_ms: a.answerMs })
  const client = new mw.Client(sim.options())
  const conv = (await client.createConversation()).conversationId
  const one = async (i) => {
    const stream = client.streamResponse(conv, `abandoned ${i}`)
    if (a.how === 'break') {
      for await (const event of stream) {
        if (event.event !== 'RESPONSE_CREATED') throw new Error(`first event ${event.event}`)
        break
      }
    } else {
      const { value } = await stream[Symbol.asyncIterator]().next()
      if (value?.event !== 'RESPONSE_CREATED') throw new Error(`first event ${value?.event}`)
      // Dropped here without close(): only the garbage collector can release it.
    }
  }
  for (let i = 0; i < 200; i++) await one(i)
  await collect()
  const before = status()
  const started = performance.now()
  for (let i = 0; i < streams; i++) {
    await one(i)
    // Collections at the pace a busy process would have them, so that abandoned streams
    // are released as they would be (not only when the heap grows).
    if (i % 100 === 99) globalThis.gc()
  }
  const seconds = (performance.now() - started) / 1000
  await collect()
  const after = status()
  const growthKb = after.rssKb - before.rssKb
  log(`abandon (${a.how}): ${streams} streams in ${seconds.toFixed(1)} s; RSS ${before.rssKb} -> ${after.rssKb} kB ` +
    `(${(growthKb / 1024).toFixed(1)} MiB; JS heap ${before.heapKb} -> ${after.heapKb} kB), threads ${before.threads} -> ${after.threads}, fds ${before.fds} -> ${after.fds}`)
  return { mode: 'abandon', how: a.how, streams, seconds, before, after, rss_growth_kb: growthKb }
}

async function concurrent(a, mw, sim) {
  const streams = a.streams || 1000
  await sim.config({ response_duration_ms: a.answerMs })
  const client = new mw.Client(sim.options())
  const conversations = []
  for (let i = 0; i < streams; i++) conversations.push((await client.createConversation()).conversationId)
  // Warm-up: one turn, so the first measured request does not pay for loading TLS roots and the like.
  await sim.config({ response_duration_ms: 10 })
  await client.streamResponse(conversations[0], 'warm-up').finalResponse()
  await sim.config({ response_duration_ms: a.answerMs })

  let peakThreads = 0
  const sampler = setInterval(() => (peakThreads = Math.max(peakThreads, status().threads)), 100)
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  const cpu0 = process.cpuUsage()
  let events = 0
  const errors = []
  const t0 = performance.now()
  const turn = async (conv) => {
    const start = performance.now()
    let first = null
    let last = null
    for await (const event of client.streamResponse(conv, 'concurrency benchmark')) {
      if (first === null) first = performance.now() - start
      events++
      last = event.event
    }
    if (last !== 'RESPONSE_COMPLETED') throw new Error(`turn ended with ${last}`)
    return [first, performance.now() - start]
  }
  const turns = Promise.all(conversations.map((c) => turn(c).catch((e) => (errors.push(e), null))))
  // Another call while every stream is open: it must not wait for a thread the streams hold.
  await sleep(1000)
  const c0 = performance.now()
  await client.getConversation(conversations[0])
  const callMs = performance.now() - c0
  const results = (await turns).filter(Boolean)
  const wall = (performance.now() - t0) / 1000
  lag.disable()
  clearInterval(sampler)
  const cpu = process.cpuUsage(cpu0)
  const firsts = results.map((r) => r[0]).sort((x, y) => x - y)
  const totals = results.map((r) => r[1]).sort((x, y) => x - y)
  const row = {
    mode: 'concurrent',
    streams,
    answer_ms: a.answerMs,
    errors: errors.length,
    first_event_ms: { p50: ms(pct(firsts, 0.5)), p99: ms(pct(firsts, 0.99)), max: ms(firsts.at(-1)) },
    turn_ms: { p50: ms(pct(totals, 0.5)), p99: ms(pct(totals, 0.99)), max: ms(totals.at(-1)) },
    loop_lag_ms: { p99: ms(lag.percentile(99) / 1e6), max: ms(lag.max / 1e6) },
    call_while_streaming_ms: ms(callMs),
    events,
    cpu_us_per_event: ms((cpu.user + cpu.system) / events),
    wall_s: ms(wall),
    peak_threads: peakThreads,
    peak_rss_kb: status().peakRssKb,
  }
  if (errors.length) log(`first error: ${errors[0]?.stack ?? errors[0]}`)
  log(`concurrent: ${JSON.stringify(row)}`)
  return row
}

/** The SSE body of one long turn: RESPONSE_CREATED, `n` deltas, RESPONSE_COMPLETED (ids from a real turn). */
async function longAnswer(mw, client, conv, n) {
  const real = []
  // The server's data objects: the core's event JSON names the event `event`, the wire `event_type`.
  for await (const e of client.streamResponse(conv, 'template')) {
    const { event, ...rest } = mw.toWire(e)
    real.push({ event_type: event, ...rest })
  }
  const delta = real.find((e) => e.event_type === 'RESPONSE_OUTPUT_DELTA' && e.output?.type === 'MESSAGE')
  const completed = real.at(-1)
  const out = [`event: RESPONSE_CREATED\ndata: ${JSON.stringify({ ...real[0], sequence_number: 1 })}\n\n`]
  for (let i = 0; i < n; i++) {
    const data = structuredClone(delta)
    data.sequence_number = i + 2
    data.output.message.content.commonmark_text.text = 'word '.repeat((i % 40) + 1)
    out.push(`event: RESPONSE_OUTPUT_DELTA\ndata: ${JSON.stringify(data)}\n\n`)
  }
  out.push(`event: RESPONSE_COMPLETED\ndata: ${JSON.stringify({ ...completed, sequence_number: n + 2 })}\n\n`)
  return out.join('')
}

async function events(a, mw, sim) {
  await sim.config({ response_duration_ms: 50 })
  const client = new mw.Client(sim.options())
  const conv = (await client.createConversation()).conversationId
  const body = await longAnswer(mw, client, conv, a.events)
  // The simulator takes control bodies up to 16 MiB.
  if (body.length > 16 * 1024 * 1024 - 4096) throw new Error(`--events ${a.events}: the answer is ${body.length} bytes, over the simulator's 16 MiB`)
  log(`events: an answer of ${a.events + 2} events, ${(body.length / 1024 / 1024).toFixed(1)} MiB`)
  const rates = []
  const cpus = []
  for (let run = 0; run < a.runs; run++) {
    await sim.faults([{ kind: 'raw', status: 200, body, path_contains: '/responses/stream', headers: { 'Content-Type': 'text/event-stream' } }])
    let n = 0
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    for await (const event of client.streamResponse(conv, 'long answer', { idleTimeoutMs: 60000, deadlineMs: 120000 })) {
      n++
      if (n === 1 && event.event !== 'RESPONSE_CREATED') throw new Error(`first event ${event.event}`)
    }
    const seconds = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    if (n !== a.events + 2) throw new Error(`expected ${a.events + 2} events, got ${n}`)
    rates.push(n / seconds)
    cpus.push((cpu.user + cpu.system) / n)
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1]
  const row = { mode: 'events', events: a.events + 2, events_per_s: Math.round(median(rates)), cpu_us_per_event: ms(median(cpus)) }
  log(`events: ${rates.map(Math.round).join(', ')} events/s; cpu ${cpus.map(ms).join(', ')} us/event`)
  return row
}

const MODES = { abandon, concurrent, events }

async function main() {
  const a = parseArgs(process.argv.slice(2))
  const mode = MODES[a.mode]
  if (!mode) throw new Error(`mode must be one of ${Object.keys(MODES).join(', ')}`)
  const mw = require(a.pkg)
  const sim = await startSimulator()
  try {
    const row = await mode(a, mw, sim)
    await new Promise((resolve) => process.stdout.write(JSON.stringify({ pkg: a.pkg, ...row }) + '\n', resolve))
  } finally {
    await sim.stop()
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`streams.mjs: FAILED: ${err?.stack ?? err}`)
    process.exit(1)
  },
)
