// Node rows of the per-event streaming benchmark (bench/streaming/README.md): long answers
// of many events, the SDK against what a user would hand-write.
//
//   node node_clients.mjs <row> --base-url URL --token T --assistant NAME
//       --conversation ID --events E --turns N [--warmup W] [--pkg DIR]
//
// Every row reads every event and decodes its JSON (the SDK into its typed events, the
// peers with JSON.parse). Rows: `node.sdk` (`for await` over `client.streamResponse`),
// `node.fetch_parser` (fetch + eventsource-parser), `node.eventsource` (the `eventsource`
// package, its `fetch` option making the request a POST; closed at RESPONSE_COMPLETED),
// `node.http` (node:http, the SSE framing parsed by hand). The peers are the pinned
// packages of bench/concurrency/node (its own lockfile; not the SDK's dependencies).
// The last stdout line is one JSON object (see py_clients.py).
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '../..')
const PEERS = path.join(ROOT, 'bench', 'concurrency', 'node', 'node_modules')
const TEXT = 'streaming benchmark'

function parseArgs(argv) {
  const a = { row: argv[0], events: 0, turns: 5, warmup: 1, pkg: path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'bench', 'node', 'pkg') }
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    if (!(key in a) && !['baseUrl', 'token', 'assistant', 'conversation'].includes(key)) throw new Error(`unknown option ${argv[i]}`)
    a[key] = typeof a[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1]
  }
  return a
}

const log = (msg) => process.stderr.write(msg + '\n')
const peer = async (name, file) => import(pathToFileURL(path.join(PEERS, name, file)).href)

function headers(a) {
  return { Authorization: `Bearer ${a.token}`, 'Assistant-Name': a.assistant, Accept: 'text/event-stream', 'Content-Type': 'application/json' }
}
const streamUrl = (a) => `${a.baseUrl}/conversations/${a.conversation}/responses/stream`
const BODY = JSON.stringify({ input: { text: TEXT } })

// Each row: an async function (onEvent(name)) that runs one turn to its end.

async function sdkRow(a) {
  const { Client } = createRequire(import.meta.url)(a.pkg)
  const client = new Client({ baseUrl: a.baseUrl, token: a.token, assistantName: a.assistant })
  return async (onEvent) => {
    for await (const event of client.streamResponse(a.conversation, TEXT, { idleTimeoutMs: 120000, deadlineMs: 600000 })) onEvent(event.event)
  }
}

async function fetchParserRow(a) {
  const { createParser } = await peer('eventsource-parser', 'dist/index.js')
  return async (onEvent) => {
    const res = await fetch(streamUrl(a), { method: 'POST', headers: headers(a), body: BODY })
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`)
    const parser = createParser({
      onEvent(e) {
        JSON.parse(e.data)
        onEvent(e.event)
      },
    })
    const decoder = new TextDecoder()
    for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }))
  }
}

async function eventsourceRow(a) {
  const { EventSource } = await peer('eventsource', 'dist/index.js')
  const names = ['RESPONSE_CREATED', 'RESPONSE_IN_PROGRESS', 'RESPONSE_OUTPUT_DELTA', 'RESPONSE_COMPLETED', 'RESPONSE_FAILED', 'ERROR']
  return (onEvent) =>
    new Promise((resolve, reject) => {
      const es = new EventSource(streamUrl(a), {
        fetch: (input, init) => fetch(input, { ...init, method: 'POST', body: BODY, headers: { ...init.headers, ...headers(a) } }),
      })
      for (const name of names) {
        es.addEventListener(name, (e) => {
          JSON.parse(e.data)
          onEvent(name)
          // The API's stream ends after its terminal event; EventSource would reconnect.
          if (name === 'RESPONSE_COMPLETED' || name === 'RESPONSE_FAILED') {
            es.close()
            resolve()
          }
        })
      }
      es.onerror = (e) => {
        es.close()
        reject(new Error(`EventSource error: ${e.message || e.type}`))
      }
    })
}

async function httpRow(a) {
  const agent = new http.Agent({ keepAlive: true })
  const u = new URL(streamUrl(a))
  return (onEvent) =>
    new Promise((resolve, reject) => {
      const req = http.request({ method: 'POST', hostname: u.hostname, port: u.port, path: u.pathname, headers: headers(a), agent }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`))
        res.setEncoding('utf8')
        let buf = ''
        // The SSE framing by hand: a blank line ends an event; `event:` and `data:` lines.
        res.on('data', (chunk) => {
          buf += chunk
          let end
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, end)
            buf = buf.slice(end + 2)
            let name = 'message'
            const data = []
            for (const line of frame.split('\n')) {
              if (line.startsWith('event:')) name = line.slice(6).trim()
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
            }
            if (data.length) {
              JSON.parse(data.join('\n'))
              onEvent(name)
            }
          }
        })
        res.on('end', resolve)
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(BODY)
    })
}

const ROWS = { 'node.sdk': sdkRow, 'node.fetch_parser': fetchParserRow, 'node.eventsource': eventsourceRow, 'node.http': httpRow }

function peakRssKb() {
  const m = fs.readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/)
  return m ? Number(m[1]) : 0
}

async function main() {
  const a = parseArgs(process.argv.slice(2))
  if (!(a.row in ROWS)) throw new Error(`row must be one of ${Object.keys(ROWS)}`)
  const turn = await ROWS[a.row](a)
  const turns = []
  const firsts = []
  let cpuUs = 0
  for (let i = 0; i < a.warmup + a.turns; i++) {
    const names = []
    let first = null
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await turn((name) => {
      if (first === null && name === 'RESPONSE_OUTPUT_DELTA') first = performance.now()
      names.push(name)
    })
    const t1 = performance.now()
    const c = process.cpuUsage(c0)
    if (names.length !== a.events + 2 || names[names.length - 1] !== 'RESPONSE_COMPLETED') {
      throw new Error(`expected ${a.events + 2} events ending RESPONSE_COMPLETED, got ${names.length} ending ${names[names.length - 1]}`)
    }
    if (i >= a.warmup) {
      turns.push(+(t1 - t0).toFixed(3))
      firsts.push(+((first ?? t1) - t0).toFixed(3))
      cpuUs += c.user + c.system
    }
  }
  const events = (a.events + 2) * a.turns
  const row = {
    id: a.row,
    events_per_turn: a.events + 2,
    turn_ms: turns,
    first_delta_ms: firsts,
    cpu_s: +(cpuUs / 1e6).toFixed(4),
    cpu_us_per_event: +(cpuUs / events).toFixed(3),
    peak_rss_kb: peakRssKb(),
  }
  log(`${a.row}: turns ${JSON.stringify(turns)} ms, ${row.cpu_us_per_event} us CPU/event, peak RSS ${row.peak_rss_kb} kB`)
  process.stdout.write(JSON.stringify(row) + '\n')
  process.exit(0)
}

main().catch((e) => {
  log(`FAILED: ${e.stack || e}`)
  process.exit(1)
})
