// Soak: one client loops create conversation -> create response -> wait ->
// list conversations -> list events for a given time, sampling its own RSS.
//
//   node soak.mjs SECONDS [SAMPLE_SECS] [WARMUP_SECS]
//
// Configured by the MOVEWORKS_* environment variables (soak/run.sh points them
// at the simulator); SOAK_NODE_PACKAGE names the package directory (default:
// the repo's node/). Prints one JSON line per sample and a final summary line;
// exits non-zero on the first SDK error. Same protocol as soak/rust and soak/python.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import assert from 'node:assert/strict'

const here = path.dirname(fileURLToPath(import.meta.url))
const pkg = process.env.SOAK_NODE_PACKAGE || path.resolve(here, '../../node')
const { Client } = await import(pathToFileURL(path.join(pkg, 'index.mjs')).href)

/** Resident set size of this process in kB, from /proc/self/status. */
function rssKb() {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
  return parseInt(line.split(/\s+/)[1], 10)
}

/** One create/poll/list cycle; checks every result decoded into what was asked for. */
async function cycle(client, n) {
  const conv = await client.createConversation({ title: `soak ${n}` })
  assert.equal(conv.title, `soak ${n}`)
  const resp = await client.createResponse(conv.conversationId, 'How do I reset my password?')
  assert.equal(resp.conversationId, conv.conversationId)
  // The simulator answers in tens of milliseconds; poll accordingly so cycles are quick.
  const done = await client.waitForResponse(conv.conversationId, resp.responseId, {
    deadlineMs: 30000,
    initialIntervalMs: 20,
    maxIntervalMs: 100,
  })
  assert.equal(done.status, 'COMPLETED')
  assert.ok(done.outputs.length > 0, 'a completed response has outputs')
  const page = await client.listConversations({ limit: 10 })
  assert.ok(page.conversations.length > 0)
  await client.listEvents({ conversationId: conv.conversationId, limit: 20 })
}

const args = process.argv.slice(2).map(Number)
const seconds = args[0] ?? 60
const sample = args[1] ?? Math.min(Math.max(seconds / 20, 1), 10)
const warmup = args[2] ?? Math.min(seconds / 4, 60)
const client = Client.fromEnv()

const started = performance.now()
const elapsed = () => (performance.now() - started) / 1000
let cycles = 0
let nextSample = sample
let rssStart = null
let rssMax = 0
let rssEnd = 0
while (elapsed() < seconds) {
  try {
    await cycle(client, cycles)
  } catch (e) {
    console.error(JSON.stringify({ lang: 'node', error: String(e?.stack ?? e), cycles }))
    process.exit(1)
  }
  cycles += 1
  const t = elapsed()
  if (t >= nextSample || t >= seconds) {
    nextSample += sample
    // With --expose-gc (as run.sh starts it), collect first: the sample then shows
    // retained memory, not how far V8 happened to let garbage pile up.
    globalThis.gc?.()
    const rss = rssKb()
    const warm = t >= warmup
    if (warm) {
      rssStart ??= rss
      rssMax = Math.max(rssMax, rss)
      rssEnd = rss
    }
    console.log(JSON.stringify({ lang: 'node', t: Math.round(t * 10) / 10, cycles, rss_kb: rss, warm }))
  }
}
rssStart ??= rssEnd
console.log(
  JSON.stringify({
    lang: 'node',
    summary: true,
    duration_s: Math.round(elapsed()),
    cycles,
    rss_start_kb: rssStart,
    rss_end_kb: rssEnd,
    rss_max_kb: rssMax,
    growth_kb: rssEnd - rssStart,
  }),
)
