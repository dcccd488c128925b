'use strict'
// worker_threads: each Worker loads the addon into its own environment (napi-rs registers
// it per environment) and builds its own clients; streams read on their own threads
// settle their promises in the worker that owns them.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { Worker } = require('node:worker_threads')
const { once } = require('node:events')
const mw = require('..')
const { startSim, readerThreads } = require('./sim')

let sim
test.before(async () => {
  sim = await startSim()
})
test.after(() => sim.stop())

const PACKAGE = path.resolve(__dirname, '..')

/** Runs `body` (the source of an async function of `(mw, options)`) in a new Worker; resolves with its result. */
async function inWorker(body, options) {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads')
    const mw = require(workerData.pkg)
    ;(${body})(mw, workerData.options).then(
      (result) => parentPort.postMessage({ result }),
      (error) => parentPort.postMessage({ error: String(error && error.stack || error) }),
    )`
  const worker = new Worker(source, { eval: true, workerData: { pkg: PACKAGE, options } })
  // Listened for from the start: a worker that exits right after posting can emit 'exit'
  // before a listener added after the 'message' await would be attached.
  const exited = once(worker, 'exit')
  const [message] = await once(worker, 'message')
  await exited // the worker's event loop emptied: nothing of the SDK holds it open
  if (message.error) throw new Error(`in the worker: ${message.error}`)
  return message.result
}

// The worker's work: its own client, a call, and a streamed turn read with `for await`.
const CALL_AND_TURN = async (mw, options) => {
  const client = new mw.Client(options)
  const conv = await client.createConversation({ title: 'from a worker' })
  const fetched = await client.getConversation(conv.conversationId)
  const events = []
  const stream = client.streamResponse(conv.conversationId, 'Who does John Doe report to?')
  for await (const event of stream) events.push(event.event)
  return { conversation: fetched.conversationId === conv.conversationId, events, status: stream.response.status }
}

test('two worker threads each build a client and complete a call and a streamed turn, beside the main thread', async () => {
  await sim.config({ response_duration_ms: 300 })
  const mainClient = new mw.Client(sim.options())
  const mainConv = (await mainClient.createConversation()).conversationId
  const [a, b, main] = await Promise.all([
    inWorker(CALL_AND_TURN.toString(), sim.options()),
    inWorker(CALL_AND_TURN.toString(), sim.options()),
    mainClient.streamResponse(mainConv, 'and from the main thread').finalResponse(),
  ])
  for (const w of [a, b]) {
    assert.equal(w.conversation, true)
    assert.equal(w.events[0], 'RESPONSE_CREATED')
    assert.equal(w.events.at(-1), 'RESPONSE_COMPLETED')
    assert.equal(w.status, 'COMPLETED')
  }
  assert.equal(main.status, 'COMPLETED')
})

test('a worker terminated while its stream waits takes the stream down with it; the process goes on', async () => {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads')
    const mw = require(workerData.pkg)
    ;(async () => {
      const client = new mw.Client(workerData.options)
      const conv = await client.createConversation()
      const stream = client.streamResponse(conv.conversationId, 'a long answer', { idleTimeoutMs: 60000 })
      const first = await stream.next()
      stream.next() // waits for the server: a promise the reader thread would settle
      parentPort.postMessage(first.value.event)
    })()`
  // The process's stream spawner exists (one turn ran here) and no reader thread of an earlier
  // turn lingers (a finished turn's reader ends once its body is closed, a little after the
  // turn resolves): the count below is this worker's reader alone.
  await sim.config({ response_duration_ms: 50 })
  const warm = new mw.Client(sim.options())
  await warm.streamResponse((await warm.createConversation()).conversationId, 'warm-up').finalResponse()
  while (readerThreads() > 1) await new Promise((resolve) => setTimeout(resolve, 20))
  await sim.config({ response_duration_ms: 60_000 })
  const before = readerThreads()
  const worker = new Worker(source, { eval: true, workerData: { pkg: PACKAGE, options: sim.options() } })
  const [first] = await once(worker, 'message')
  assert.equal(first, 'RESPONSE_CREATED')
  assert.equal(readerThreads(), before + 1)
  await worker.terminate()
  // The worker's environment dropped the stream: its reader thread ends (within ~20 ms;
  // waited for, bounded by the test timeout), long before the 60 s answer would have.
  while (readerThreads() > before) await new Promise((resolve) => setTimeout(resolve, 20))
  // The main thread's client still works, streams included.
  await sim.config({ response_duration_ms: 100 })
  const c = new mw.Client(sim.options())
  const conv = (await c.createConversation()).conversationId
  assert.equal((await c.streamResponse(conv, 'still here').finalResponse()).status, 'COMPLETED')
})
