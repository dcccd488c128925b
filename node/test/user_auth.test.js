'use strict'
// Per-user views (rest/v1): client.forUser with a token provider, forUserToken; the
// provider runs on the JS thread while the core waits off it, and is cached per view.
const test = require('node:test')
const { before, after } = test
const assert = require('node:assert/strict')
const mw = require('..')
const { startSim } = require('./sim')

let sim
let client
before(async () => {
  sim = await startSim()
  client = new mw.Client(sim.v1Options({ maxRetries: 0 }))
})
after(() => sim.stop())

test('two users on one client are isolated, and each provider is called once across many calls', async () => {
  const tokens = { alice: await sim.userToken('u_alice'), bob: await sim.userToken('u_bob') }
  const calls = { alice: 0, bob: 0 }
  const alice = client.forUser(() => {
    calls.alice++
    return tokens.alice
  })
  // An async provider with a lifetime (seconds).
  const bob = client.forUser(async () => {
    calls.bob++
    await new Promise((r) => setTimeout(r, 5))
    return { token: tokens.bob, expiresIn: 3600 }
  })
  const conv = await alice.createConversation({ title: 'alice only' })
  // Concurrent first calls of a fresh view wait for one provider call (single flight).
  await Promise.all(Array.from({ length: 10 }, () => bob.listConversations()))
  for (let i = 0; i < 5; i++) {
    await alice.getConversation(conv.conversationId)
    await bob.listConversations()
  }
  const bobs = await bob.listConversations({ limit: 100 })
  assert.ok(!bobs.conversations.some((c) => c.conversationId === conv.conversationId), "bob does not see alice's conversation")
  await assert.rejects(bob.getConversation(conv.conversationId), mw.NotFoundError)
  assert.deepEqual(calls, { alice: 1, bob: 1 })
  assert.ok(alice instanceof mw.Client)
})

test('a provider that throws or rejects fails the call with OAuthError, and nothing is sent', async () => {
  const requestCount = async () => {
    const log = await sim.requests()
    return (log.requests ?? log).length
  }
  const sent = await requestCount()
  const throwing = client.forUser(() => {
    throw new Error('identity provider down')
  })
  const rejecting = client.forUser(() => Promise.reject(new Error('exchange refused')))
  const wrongShape = client.forUser(() => 42)
  const isOAuth = (what) => (e) => {
    assert.ok(e instanceof mw.OAuthError, `${e?.name}: ${e?.message}`)
    assert.equal(e.kind, 'oauth')
    assert.match(e.message, what)
    return true
  }
  await assert.rejects(throwing.listConversations(), isOAuth(/identity provider down/))
  await assert.rejects(rejecting.createConversation(), isOAuth(/exchange refused/))
  await assert.rejects(wrongShape.listConversations(), isOAuth(/string or \{ token, expiresIn \}/))
  await assert.rejects(client.forUser(() => ({ token: 't', expiresIn: -1 })).listConversations(), isOAuth(/expiresIn/))
  await assert.rejects(client.forUser(() => '').listConversations(), isOAuth(/empty token/))
  assert.equal(await requestCount(), sent, 'no request was sent')
  assert.throws(() => client.forUser('token'), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'provider')
})

test('a provider is called again after a 401 and the call is replayed once', async () => {
  const good = await sim.userToken('u_carol')
  const given = ['not-a-valid-token', good]
  let calls = 0
  const carol = client.forUser(() => given[calls++])
  await carol.listConversations()
  assert.equal(calls, 2)
})

test('forUserToken: a fixed bearer for one user; an empty one is InvalidArgumentError', async () => {
  const dave = client.forUserToken(await sim.userToken('u_dave'))
  const conv = await dave.createConversation()
  assert.equal((await dave.getConversation(conv.conversationId)).conversationId, conv.conversationId)
  assert.throws(() => client.forUserToken(''), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'token')
})

test('every path that runs core work reaches the provider off the JS thread: streams, pagers, waits, followers, forms', async () => {
  // Each is the first call of a fresh view, so each one calls the provider; a provider
  // call made on the JS thread would wait for itself (the addon refuses that with an
  // error instead), so every one of these completing shows it is not.
  const token = await sim.userToken('u_erin')
  const view = () => client.forUser(async () => token)
  const conv = await view().createConversation()
  const stream = view().streamResponse(conv.conversationId, 'I need a new laptop', { deadlineMs: 20000 })
  for await (const _ of stream);
  assert.equal(stream.response.status, 'COMPLETED')
  const seen = []
  for await (const c of view().iterConversations({ limit: 1 })) seen.push(c)
  assert.ok(seen.length >= 1)
  const r = await view().createResponseAndWait(conv.conversationId, 'hello', { initialIntervalMs: 10 })
  assert.equal(r.status, 'COMPLETED')
  assert.equal(await view().followEvents().pollOnce(() => {}), 0)
  const message = mw.assistantMessages(stream.response)[0]
  const form = await view().getModal(mw.modals(await freshMessage(view(), conv.conversationId, message))[0])
  assert.ok(form.fields.length > 0)
})

/** The message as read again now (modal ids are minted per read). */
async function freshMessage(c, conversationId, message) {
  const page = await c.listMessages(conversationId, { limit: 10 })
  return page.messages.find((m) => m.messageId === message.messageId)
}

test('Input variants reach the API: a callback press, chat, text and raw; the beta refuses v1-only inputs', async () => {
  const alice = client.forUserToken(await sim.userToken('u_alice'))
  const conv = await alice.createConversation()
  const laptop = await alice.createResponseAndWait(conv.conversationId, mw.Input.chat('I need a new laptop'), { initialIntervalMs: 10 })
  const fileIt = mw.assistantMessages(laptop)[0].actions[0]
  assert.equal(fileIt.type, 'CALLBACK_ACTION')
  const filed = await alice.createResponseAndWait(conv.conversationId, mw.Input.callback(fileIt.callbackAction.callbackId), { initialIntervalMs: 10 })
  assert.match(mw.assistantText(filed), /^Filed ticket INC/)
  for (const input of [{ text: 'hi' }, mw.Input.text('hi'), mw.Input.raw({ action: { kind: 'x' } })]) {
    assert.equal((await alice.createResponseAndWait(conv.conversationId, input, { initialIntervalMs: 10 })).status, 'COMPLETED')
  }
  await assert.rejects(alice.createResponse(conv.conversationId, mw.Input.callback('')), (e) => e.argument === 'callback_id')
  const beta = new mw.Client(sim.options())
  const betaConv = await beta.createConversation()
  await assert.rejects(beta.createResponse(betaConv.conversationId, mw.Input.chat('hi')), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'input')
})
