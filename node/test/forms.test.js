'use strict'
// Forms (rest/v1 modals): getModal, refreshModal (the refresh rule), submitModal, a stale
// id, and the message helpers modalRef/modals.
const test = require('node:test')
const { before, after } = test
const assert = require('node:assert/strict')
const mw = require('..')
const { startSim } = require('./sim')

let sim
let alice
before(async () => {
  sim = await startSim()
  alice = new mw.Client(sim.v1Options()).forUserToken(await sim.userToken('u_alice'))
})
after(() => sim.stop())

/** The laptop answer's message, as just read. */
async function laptopMessage() {
  const conv = await alice.createConversation()
  const r = await alice.createResponseAndWait(conv.conversationId, 'I need a new laptop', { initialIntervalMs: 10 })
  return mw.assistantMessages(r)[0]
}

test('modalRef/modals find the form of a MODAL_ACTION; other actions have none', async () => {
  const message = await laptopMessage()
  const [fileIt, edit, portal] = message.actions
  const ref = mw.modalRef(message, edit)
  assert.deepEqual(ref, {
    conversationId: message.conversationId,
    responseId: message.responseId,
    messageId: message.messageId,
    modalId: edit.modalAction.modalId,
  })
  assert.equal(mw.modalRef(message, fileIt), null)
  assert.equal(mw.modalRef(message, portal), null)
  assert.deepEqual(mw.modals(message), [ref])
  assert.throws(() => mw.modalRef({}, edit), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'message')
})

test('get, refresh (choice options re-applied), submit; then the id is stale: NotFoundError saying to re-read', async () => {
  const message = await laptopMessage()
  const form = await alice.getModal(mw.modals(message)[0])
  assert.equal(form.title, ':memo: New laptop request')
  assert.deepEqual(form.source, mw.modals(message)[0])
  const model = form.fields.find((f) => f.name === 'model')
  assert.equal(model.type, 'CHOICE')
  assert.equal(model.triggersRefresh, true)
  assert.deepEqual(model.choice.options.map((o) => o.value), ['mac', 'win'])
  assert.equal(form.fields.find((f) => f.name === 'needed_by').visible, false)

  const refreshed = await alice.refreshModal(form, { model: { option: 'mac' }, reason: { text: '' } })
  const neededBy = refreshed.fields.find((f) => f.name === 'needed_by')
  assert.deepEqual([neededBy.visible, neededBy.required], [true, true])
  // The server leaves choice options out on refresh; the SDK re-applies those fetched before.
  assert.deepEqual(refreshed.fields.find((f) => f.name === 'model').choice.options, model.choice.options)

  await assert.rejects(alice.submitModal(refreshed, { model: { option: 'mac' } }), (e) => e instanceof mw.BadRequestError && /needed_by/.test(e.message))
  const done = await alice.submitModal(refreshed, { model: { option: 'mac' }, needed_by: { date: '2027-01-15' }, reason: { text: 'old one broke' } })
  assert.equal(done.status, 'SUBMITTED')
  await assert.rejects(alice.getModal(form.source), (e) => {
    assert.ok(e instanceof mw.NotFoundError, `${e.name}: ${e.message}`)
    assert.match(e.message, /re-read the message/)
    return true
  })
})

test('bad form arguments are InvalidArgumentError before anything is sent', async () => {
  const message = await laptopMessage()
  const ref = mw.modals(message)[0]
  await assert.rejects(alice.refreshModal({ modalId: 'x', fields: [] }, {}), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'previous')
  await assert.rejects(alice.getModal({ ...ref, modalId: '' }), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'modal_id')
  await assert.rejects(alice.getModal({ conversationId: 'c' }), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'modal')
  await assert.rejects(alice.submitModal(ref, 'model=mac'), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'values')
  await assert.rejects(alice.submitModal(ref, { '': { text: 'x' } }), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'values')
  // A form's own value shapes go as given; an unknown one too (the server refuses it).
  await assert.rejects(alice.submitModal(ref, { model: { chosen: 'mac' } }), mw.BadRequestError)
  // On the beta there are no forms.
  const beta = new mw.Client(sim.options())
  await assert.rejects(beta.getModal(ref), mw.InvalidArgumentError)
})
