'use strict'
// The events follower (client.followEvents): file and JS checkpoint stores across
// restarts, refused and throwing handlers, the async iterator, run and cancel, and the
// JS thread staying free while it waits.
const test = require('node:test')
const { before, after } = test
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const mw = require('..')
const { startSim } = require('./sim')

let sim
let client
let dir
before(async () => {
  sim = await startSim()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-follower-'))
})
after(async () => {
  fs.rmSync(dir, { recursive: true, force: true })
  await sim.stop()
})

/** A user's view with a conversation of its own, and a way to add events to its feed. */
async function user(name) {
  client ??= new mw.Client(sim.v1Options())
  const view = client.forUserToken(await sim.userToken(name))
  const conv = await view.createConversation()
  const add = async (text) => (await sim.injectEvent({ conversation_id: conv.conversationId, text })).event_id
  return { view, add }
}

test('a file checkpoint survives restarts: no loss, no duplicate, a refused event comes again', async () => {
  const { view, add } = await user('u_f1')
  const file = path.join(dir, 'f1.checkpoint')
  const first = await add('one')
  const fresh = view.followEvents({ checkpoint: file })
  assert.equal(fresh.checkpoint, null)
  assert.equal(await fresh.pollOnce(() => assert.fail('a fresh follower only catches up')), 0)
  assert.equal(fresh.checkpoint, first)
  assert.equal(fs.readFileSync(file, 'utf8'), `${first}\n`)
  const ids = [await add('two'), await add('three'), await add('four')]
  // A restart: a new follower on the same file. Its handler takes one and refuses the next.
  const seen = []
  const handled = await view.followEvents({ checkpoint: file }).pollOnce((e) => (seen.length === 1 ? false : seen.push(e.eventId)))
  assert.deepEqual([handled, seen], [1, [ids[0]]])
  // An async handler, after another restart: the refused event first.
  const rest = []
  const again = view.followEvents({ checkpoint: file })
  assert.equal(await again.pollOnce(async (e) => { await new Promise((r) => setTimeout(r, 1)); rest.push(e.eventId) }), 2)
  assert.deepEqual(rest, ids.slice(1))
  assert.equal(again.checkpoint, ids[2])
  assert.equal(await view.followEvents({ checkpoint: file }).pollOnce(() => assert.fail('nothing new')), 0)
})

test('a store of your own (sync or async); replay delivers the whole feed; a throwing handler stops and throws', async () => {
  const { view, add } = await user('u_f2')
  const ids = [await add('a'), await add('b'), await add('c')]
  const saved = []
  const store = { value: null, load: () => store.value, save: (id) => { saved.push(id); store.value = id } }
  const seen = []
  assert.equal(await view.followEvents({ checkpoint: store, replay: true, pageSize: 1 }).pollOnce((e) => seen.push(e.eventId)), 3)
  assert.deepEqual(seen, ids)
  assert.deepEqual(saved, ['', ...ids])
  const later = await add('d')
  const asyncStore = { load: async () => store.value, save: async (id) => { store.value = id } }
  class Boom extends Error {}
  const follower = view.followEvents({ checkpoint: asyncStore })
  await assert.rejects(follower.pollOnce(() => { throw new Boom('handler failed') }), Boom)
  assert.equal(store.value, ids[2], 'the event whose handler threw is not saved')
  assert.deepEqual(await collect(view.followEvents({ checkpoint: asyncStore })), [later])
  // A store that fails fails the poll with an InvalidArgumentError naming the checkpoint.
  const broken = { load: () => { throw new Error('db down') }, save: () => {} }
  await assert.rejects(view.followEvents({ checkpoint: broken }).pollOnce(() => {}), (e) => {
    assert.ok(e instanceof mw.InvalidArgumentError && e.argument === 'checkpoint', `${e.name}: ${e.message}`)
    assert.match(e.message, /db down/)
    return true
  })
})

async function collect(follower) {
  const ids = []
  await follower.pollOnce((e) => ids.push(e.eventId))
  return ids
}

test('for await waits for new events without blocking the JS thread; break, commit, cancel', async () => {
  const { view, add } = await user('u_f3')
  const store = { value: null, load: () => store.value, save: (id) => { store.value = id } }
  const ac = new AbortController()
  const follower = view.followEvents({ checkpoint: store, intervalMs: 50, signal: ac.signal })
  let ticks = 0
  const timer = setInterval(() => ticks++, 5)
  const later = setTimeout(() => add('arrives later'), 200)
  const got = []
  try {
    for await (const event of follower) {
      got.push(event)
      break
    }
  } finally {
    clearInterval(timer)
    clearTimeout(later)
  }
  assert.equal(mw.messageText(got[0].payload.message), 'arrives later')
  assert.ok(ticks >= 10, `the JS thread ran timers while the follower waited (${ticks} ticks)`)
  assert.notEqual(store.value, got[0].eventId, 'leaving the loop leaves the last event unsaved')
  await follower.commit()
  assert.equal(store.value, got[0].eventId)
  // Aborting the signal ends a waiting loop (and run) cleanly.
  setTimeout(() => ac.abort(), 100)
  for await (const _ of follower) assert.fail('no event expected')
  assert.equal(follower.cancelled, true)
  await follower.run(() => assert.fail('cancelled'))
})

test('run hands each event to the handler until cancelled; bad options are InvalidArgumentError', async () => {
  const { view, add } = await user('u_f4')
  const follower = view.followEvents({ intervalMs: 20, replay: true })
  const ids = [await add('x'), await add('y')]
  const seen = []
  await follower.run((e) => {
    seen.push(e.eventId)
    if (seen.length === 2) follower.cancel()
  })
  assert.deepEqual(seen, ids)
  assert.equal(follower.checkpoint, ids[1])
  const bad = (options, argument) =>
    assert.throws(() => view.followEvents(options), (e) => e instanceof mw.InvalidArgumentError && e.argument === argument, argument)
  bad({ pageSize: 0 }, 'page_size')
  bad({ intervalMs: 0 }, 'interval')
  bad({ intervalMs: -1 }, 'interval')
  bad({ checkpoint: 42 }, 'checkpoint')
  bad({ checkpoint: { load() {} } }, 'checkpoint')
  bad({ every: 5 }, 'every')
  await assert.rejects(view.followEvents().pollOnce('nope'), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'handler')
})
