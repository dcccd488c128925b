// Node benchmark rows (bench/PROTOCOL.md): the SDK against node:http with a
// keep-alive Agent + JSON.parse, and global fetch + res.json().
//
//   node bench.mjs <latency|concurrent|rss|stream|stream_rss|startup|footprint> --base-url URL
//       --token T --assistant NAME --conversation ID [mode options]
//
// The `moveworks` package used is the one bench/node/build.sh prepared under
// target/bench/node/pkg (release or debug build). Progress goes to stderr; the
// last stdout line is {"rows": [...]}. Every decoded result is checked
// (conversationId), and any failure exits non-zero.
import http from 'node:http'
import fs from 'node:fs'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const OUT = path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'bench', 'node')
const PKG = path.join(OUT, 'pkg')

function parseArgs(argv) {
  const a = { mode: argv[0], warmup: 1000, iterations: 5000, concurrency: 64, calls: 100000, streams: 10000, streamsWarmup: 200 }
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    if (!(key in a) && !['baseUrl', 'token', 'assistant', 'conversation'].includes(key)) {
      throw new Error(`unknown option ${argv[i]}`)
    }
    a[key] = typeof a[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1]
  }
  return a
}

const log = (msg) => process.stderr.write(msg + '\n')

function check(got, want) {
  if (got !== want) throw new Error(`got conversation id ${JSON.stringify(got)}, want ${JSON.stringify(want)}`)
}

// ---- the clients: each factory returns an async zero-argument call that checks its result ----

function sdkCall(a) {
  const { Client } = createRequire(import.meta.url)(PKG)
  const client = new Client({ baseUrl: a.baseUrl, token: a.token, assistantName: a.assistant })
  const id = a.conversation
  return async () => check((await client.getConversation(id)).conversationId, id)
}

function headers(a) {
  return { Authorization: `Bearer ${a.token}`, 'Assistant-Name': a.assistant, Accept: 'application/json' }
}

function httpCall(a) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(64, a.concurrency) })
  const url = new URL(`${a.baseUrl}/conversations/${a.conversation}`)
  const options = { hostname: url.hostname, port: url.port, path: url.pathname, headers: headers(a), agent }
  const id = a.conversation
  return () =>
    new Promise((resolve, reject) => {
      const req = http.get(options, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          try {
            if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`)
            check(JSON.parse(Buffer.concat(chunks).toString('utf8')).conversation_id, id)
            resolve()
          } catch (err) {
            reject(err)
          }
        })
        res.on('error', reject)
      })
      req.on('error', reject)
    })
}

function fetchCall(a) {
  const url = `${a.baseUrl}/conversations/${a.conversation}`
  const init = { headers: headers(a) }
  const id = a.conversation
  return async () => {
    const res = await fetch(url, init)
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
    check((await res.json()).conversation_id, id)
  }
}

const CLIENTS = { 'node.sdk': sdkCall, 'node.http': httpCall, 'node.fetch': fetchCall }

// ---- modes --------------------------------------------------------------------------------

async function latency(a) {
  // Rounds interleave the clients in batches, so load from other processes on a
  // shared machine hits every client alike.
  const BATCH = 100
  const calls = Object.entries(CLIENTS).map(([id, factory]) => [id, factory(a), []])
  for (const [, call] of calls) for (let i = 0; i < a.warmup; i++) await call()
  for (let done = 0; done < a.iterations; done += BATCH) {
    const n = Math.min(BATCH, a.iterations - done)
    for (const [, call, samples] of calls) {
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint()
        await call()
        samples.push(Number(process.hrtime.bigint() - t0))
      }
    }
  }
  return calls.map(([id, , samples]) => {
    samples.sort((x, y) => x - y)
    log(`${id}: median ${(samples[samples.length >> 1] / 1000).toFixed(1)} us`)
    return { id, samples_ns: samples }
  })
}

/** Reads a small file in a loop while `busy()` holds; returns each read's milliseconds. */
async function readFileLoop(busy) {
  const file = fileURLToPath(import.meta.url)
  const times = []
  while (busy()) {
    const t0 = process.hrtime.bigint()
    await fs.promises.readFile(file)
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return times
}

async function concurrent(a) {
  const call = sdkCall(a)
  // Warm-up opens the pooled connections, so the timed round measures calls, not connects.
  await Promise.all(Array.from({ length: a.concurrency }, () => call()))
  let running = true
  const reads = readFileLoop(() => running)
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: a.concurrency }, () => call()))
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  running = false
  const times = (await reads).sort((x, y) => x - y)
  if (times.length === 0) throw new Error('no readFile completed while the calls ran')
  const p99 = times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]
  const max = times[times.length - 1]
  log(`node.sdk: ${a.concurrency} concurrent in ${(seconds * 1000).toFixed(1)} ms; ` +
    `${times.length} readFile meanwhile, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(2)} ms`)
  return [{ id: 'node.sdk', concurrency: a.concurrency, seconds, readfile_p99_ms: p99, readfile_max_ms: max }]
}

function rssKb() {
  return Math.round(process.memoryUsage().rss / 1024)
}

/** The anonymous part of RSS (kB): RSS less the pages of files mapped in, such as node's own code. */
function rssAnonKb() {
  return Number(/^RssAnon:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1])
}

async function rss(a) {
  const call = sdkCall(a)
  for (let i = 0; i < 1000; i++) await call()
  globalThis.gc?.()
  const before = rssKb()
  for (let i = 0; i < a.calls; i++) await call()
  globalThis.gc?.()
  const after = rssKb()
  log(`node.sdk rss: ${before} kB -> ${after} kB over ${a.calls} calls`)
  return [{ id: 'node.sdk', calls: a.calls, rss_before_kb: before, rss_after_kb: after }]
}

function sdkClient(a) {
  const { Client } = createRequire(import.meta.url)(PKG)
  return new Client({ baseUrl: a.baseUrl, token: a.token, assistantName: a.assistant })
}

/**
 * One streamed turn read with `for await` up to the first event for which `stop(event)`
 * holds; leaving the loop abandons the turn. Returns [responseId, process.hrtime.bigint()
 * when user code got that event].
 */
async function streamUntil(client, a, stop) {
  const stream = client.streamResponse(a.conversation, 'benchmark: first delta')
  for await (const event of stream) {
    if (stop(event)) {
      const at = process.hrtime.bigint()
      return [stream.responseId, at] // leaving the loop closes the stream
    }
  }
  throw new Error('the stream ended before the awaited event')
}

async function stream(a) {
  const client = sdkClient(a)
  const isDelta = (event) => event.event === 'RESPONSE_OUTPUT_DELTA'
  for (let i = 0; i < a.warmup; i++) await streamUntil(client, a, isDelta)
  const received = []
  for (let i = 0; i < a.iterations; i++) received.push(await streamUntil(client, a, isDelta))
  const origin = new URL(a.baseUrl).origin
  const res = await fetch(`${origin}/_sim/stream_marks`)
  if (res.status !== 200) throw new Error(`GET /_sim/stream_marks: HTTP ${res.status}`)
  // Parsed as text: the marks exceed 2^53 only after 104 days of uptime, but keep them exact anyway.
  const marks = Object.fromEntries(
    [...(await res.text()).matchAll(/"([^"]+)":(\d+)/g)].map(([, id, ns]) => [id, BigInt(ns)]))
  const samples = received.map(([id, at]) => {
    if (!(id in marks)) throw new Error(`no stream mark for ${id}`)
    if (at < marks[id]) throw new Error(`${id}: received before the stream mark`)
    return Number(at - marks[id])
  })
  const sorted = [...samples].sort((x, y) => x - y)
  log(`node.sdk.stream: median ${(sorted[sorted.length >> 1] / 1000).toFixed(1)} us`)
  return [{ id: 'node.sdk.stream', samples_ns: samples }]
}

const openFds = () => fs.readdirSync('/proc/self/fd').length

async function streamRss(a) {
  const client = sdkClient(a)
  const any = () => true
  // 200 as the other languages' programs; more (--streams-warmup) shows where the heap settles.
  for (let i = 0; i < a.streamsWarmup; i++) await streamUntil(client, a, any)
  globalThis.gc?.()
  const [rssBefore, fdsBefore, heapBefore, anonBefore] = [rssKb(), openFds(), process.memoryUsage(), rssAnonKb()]
  for (let i = 0; i < a.streams; i++) await streamUntil(client, a, any)
  globalThis.gc?.()
  const [rssAfter, fdsAfter, heapAfter, anonAfter] = [rssKb(), openFds(), process.memoryUsage(), rssAnonKb()]
  log(`node.sdk stream_rss: ${rssBefore} kB -> ${rssAfter} kB, fds ${fdsBefore} -> ${fdsAfter} over ${a.streams} streams; ` +
    `V8 heap used ${heapBefore.heapUsed >> 10} -> ${heapAfter.heapUsed >> 10} kB of ${heapBefore.heapTotal >> 10} -> ${heapAfter.heapTotal >> 10} kB`)
  // RSS also grows as more of node's own code is paged in (file pages), and V8's heap
  // (heapTotal) grows its young generation towards its cap as a program runs, whatever
  // stays alive (heapUsed): run.py tells both apart from what the streams hold.
  return [{ id: 'node.sdk', streams: a.streams, rss_before_kb: rssBefore, rss_after_kb: rssAfter,
    fds_before: fdsBefore, fds_after: fdsAfter, rss_anon_before_kb: anonBefore, rss_anon_after_kb: anonAfter,
    heap_used_before_kb: heapBefore.heapUsed >> 10, heap_used_after_kb: heapAfter.heapUsed >> 10,
    heap_total_before_kb: heapBefore.heapTotal >> 10, heap_total_after_kb: heapAfter.heapTotal >> 10 }]
}

async function startup(a) {
  // Fresh processes, so nothing is in require's cache.
  const probe = `const t0 = process.hrtime.bigint(); const m = require(${JSON.stringify(PKG)});
    const t1 = process.hrtime.bigint(); if (!m.Client) throw new Error('no Client'); console.log(String(t1 - t0))`
  const samples = []
  for (let i = 0; i < a.iterations; i++) {
    samples.push(Number(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).trim()))
  }
  samples.sort((x, y) => x - y)
  log(`node.sdk require: median ${(samples[samples.length >> 1] / 1e6).toFixed(2)} ms`)
  return [{ id: 'node.sdk', samples_ns: samples }]
}

async function footprint() {
  const addon = fs.readdirSync(PKG).find((f) => f.endsWith('.node'))
  if (!addon) throw new Error(`no .node addon in ${PKG} (run bench/node/build.sh)`)
  const profilePath = path.join(OUT, 'profile')
  const row = {
    id: 'node.sdk',
    profile: fs.existsSync(profilePath) ? fs.readFileSync(profilePath, 'utf8').trim() : null,
    addon_bytes: fs.statSync(path.join(PKG, addon)).size,
  }
  log(`node footprint: ${JSON.stringify(row)}`)
  return [row]
}

const MODES = { latency, concurrent, rss, stream, stream_rss: streamRss, startup, footprint }

async function main() {
  const a = parseArgs(process.argv.slice(2))
  const mode = MODES[a.mode]
  if (!mode) throw new Error(`mode must be one of ${Object.keys(MODES).join(', ')}`)
  if (!['startup', 'footprint'].includes(a.mode)) {
    for (const k of ['baseUrl', 'token', 'assistant', 'conversation']) if (a[k] == null) throw new Error(`--${k} is required`)
  }
  const rows = await mode(a)
  // Exit only once the line is flushed: stdout to a pipe is asynchronous, and
  // process.exit() would cut a long line at 64 KiB.
  await new Promise((resolve) => process.stdout.write(JSON.stringify({ rows }) + '\n', resolve))
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`bench.mjs: FAILED: ${err?.stack ?? err}`)
    process.exit(1)
  },
)
