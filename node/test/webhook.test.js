'use strict'
// Webhook deliveries: WebhookDelivery.parse on the raw body the simulator's webhook sender
// POSTs to a real HTTP endpoint here, the verifier hook, and fetch with the user's view.
const test = require('node:test')
const { before, after } = test
const assert = require('node:assert/strict')
const http = require('node:http')
const { once } = require('node:events')
const mw = require('..')
const { startSim } = require('./sim')

let sim
let client
before(async () => {
  sim = await startSim()
  client = new mw.Client(sim.v1Options())
})
after(() => sim.stop())

test('a delivery POSTed to an endpoint is parsed (verifier first) and fetched with that user\'s view only', async () => {
  const tokens = { u_alice: await sim.userToken('u_alice'), u_bob: await sim.userToken('u_bob') }
  const viewFor = (userId) => client.forUser(() => tokens[userId])
  const received = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      res.end() // answer 2xx at once; the work happens after
      const verified = []
      const delivery = mw.WebhookDelivery.parse(Buffer.concat(chunks), {
        headers: req.headers,
        verifier: (headers, body) => verified.push([headers['content-type'], body.length]),
      })
      received.push({ delivery, verified, event: await delivery.fetch(viewFor(delivery.userId)) })
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    await sim.script('webhook', { url: `http://127.0.0.1:${server.address().port}/hook` })
    const conv = await viewFor('u_alice').createConversation()
    const injected = await sim.injectEvent({ conversation_id: conv.conversationId, text: 'Your laptop has shipped' })
    for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    assert.equal(received.length, 1)
    const [{ delivery, verified, event }] = received
    assert.deepEqual(
      [delivery.id, delivery.conversationId, delivery.userId, delivery.eventType, delivery.isConversationResponse],
      [injected.event_id, conv.conversationId, 'u_alice', 'CONVERSATION_RESPONSE_RECEIVED', true],
    )
    assert.equal(delivery.raw.data.user_id, 'u_alice')
    assert.equal(verified.length, 1)
    assert.match(verified[0][0], /json/)
    assert.equal(event.eventId, injected.event_id)
    assert.equal(mw.messageText(event.payload.message), 'Your laptop has shipped')
    // Another user's view cannot read it.
    await assert.rejects(delivery.fetch(viewFor('u_bob')), mw.NotFoundError)
  } finally {
    server.close()
  }
})

test('a bad body or a refusing verifier throws a typed error; the verifier runs before parsing', () => {
  const body = JSON.stringify({ id: 'evt_1', data: { conversation_id: 'conv_1', user_id: 'u_1' } })
  assert.equal(mw.WebhookDelivery.parse(body).id, 'evt_1')
  assert.equal(mw.WebhookDelivery.parse(new Uint8Array(Buffer.from(body))).userId, 'u_1')
  assert.throws(() => mw.WebhookDelivery.parse('not json'), mw.DecodeError)
  assert.throws(
    () => mw.WebhookDelivery.parse('{"id":"e","data":{"conversation_id":"c"}}'),
    (e) => e instanceof mw.InvalidArgumentError && e.argument === 'data.user_id',
  )
  assert.throws(() => mw.WebhookDelivery.parse(42), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'body')
  class Refused extends Error {}
  let seen
  const verifier = (headers, raw) => {
    seen = [headers['x-signature'], raw.toString()]
    throw new Refused('bad signature')
  }
  // Refused before anything is parsed: even a body that is not JSON gets the verifier's error.
  assert.throws(() => mw.WebhookDelivery.parse('not json', { headers: { 'x-signature': 'sig' }, verifier }), Refused)
  assert.deepEqual(seen, ['sig', 'not json'])
  assert.throws(
    () => mw.WebhookDelivery.parse(body, { verifier: async () => {} }),
    (e) => e instanceof mw.InvalidArgumentError && e.argument === 'verifier',
  )
  assert.throws(() => mw.WebhookDelivery.parse(body, { verify: () => {} }), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'verify')
})
