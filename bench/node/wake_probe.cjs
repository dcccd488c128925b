'use strict'
// Splits Node's first-delta latency (bench/run.py's `stream` row) in two: from the
// simulator's mark of the first RESPONSE_OUTPUT_DELTA to the reader thread waking the JS
// thread (the addon's StreamWaker calling in), and from there to user code. Not part of
// the test command; run against a release simulator whose answers take ~45 ms:
//
//   node bench/node/wake_probe.cjs --base-url URL --token T --assistant NAME --conversation ID [--turns 600]
//
// It wraps the addon's StreamWaker before the package loads (a diagnostic, not an API).
const path = require('node:path')
// BENCH_NODE_PKG: another build of the package (to compare two builds in turn).
const PKG = process.env.BENCH_NODE_PKG || path.join(process.env.CARGO_TARGET_DIR || path.resolve(__dirname, '../../target'), 'bench', 'node', 'pkg')
const a = { turns: '600' }
for (let i = 2; i < process.argv.length; i += 2) a[process.argv[i].replace(/^--/, '')] = process.argv[i + 1]

const native = require(path.join(PKG, 'native.js'))
let wokenAt = 0n
native.StreamWaker = class extends native.StreamWaker {
  constructor(wake) {
    super((id) => {
      wokenAt = process.hrtime.bigint()
      wake(id)
    })
  }
}
const { Client } = require(PKG)

async function main() {
  const client = new Client({ baseUrl: a['base-url'], token: a.token, assistantName: a.assistant })
  const seen = []
  for (let i = 0; i < Number(a.turns); i++) {
    const stream = client.streamResponse(a.conversation, 'wake probe')
    for await (const event of stream) {
      if (event.event === 'RESPONSE_OUTPUT_DELTA') {
        seen.push([stream.responseId, wokenAt, process.hrtime.bigint()])
        break
      }
    }
  }
  // The marks are CLOCK_MONOTONIC ns, the clock process.hrtime reads.
  const text = await (await fetch(`${new URL(a['base-url']).origin}/_sim/stream_marks`)).text()
  const marks = Object.fromEntries([...text.matchAll(/"([^"]+)":(\d+)/g)].map(([, id, ns]) => [id, BigInt(ns)]))
  const warm = seen.slice(Math.floor(seen.length / 6))
  const line = (name, f) => {
    const v = warm.map(f).sort((x, y) => x - y)
    console.log(`${name}: median ${v[v.length >> 1].toFixed(1)} us, p90 ${v[Math.floor(v.length * 0.9)].toFixed(1)} us`)
  }
  line('mark -> reader wakes the JS thread', ([id, w]) => Number(w - marks[id]) / 1e3)
  line('JS thread woken -> user code', ([, w, u]) => Number(u - w) / 1e3)
  line('mark -> user code', ([id, , u]) => Number(u - marks[id]) / 1e3)
}
main().catch((e) => {
  console.error(e)
  process.exit(1)
})
