// Type-checked with `tsc --strict --noEmit` by node/test.sh: the rest/v1 types in use
// (per-user views, inputs, forms, webhooks, the events follower).
import { Client, EventsFollower, Input, NotFoundError, WebhookDelivery, assistantMessages, modals } from 'moveworks'
import type { CheckpointStore, Event, Modal, ModalRef, ModalSubmitResult, ModalValues, ProvidedToken } from 'moveworks'

async function exchange(user: string): Promise<ProvidedToken> {
  return { token: `token-for-${user}`, expiresIn: 3600 }
}

async function app(client: Client, user: string, rawBody: Buffer): Promise<void> {
  const view: Client = client.forUser(() => exchange(user))
  const fixed: Client = client.forUserToken('key-bound-to-one-user')
  void fixed
  const { conversationId } = await view.createConversation()
  const answer = await view.createResponseAndWait(conversationId, Input.chat('I need a new laptop'))
  const [message] = assistantMessages(answer)
  for (const action of message.actions ?? []) {
    if (action.type === 'CALLBACK_ACTION') await view.createResponse(conversationId, { callbackId: action.callbackAction.callbackId })
  }
  const ref: ModalRef | undefined = modals(message)[0]
  if (ref) {
    try {
      let form: Modal = await view.getModal(ref)
      const values: ModalValues = { model: { option: form.fields[1]?.choice?.options?.[0]?.value ?? 'mac' } }
      form = await view.refreshModal(form, values)
      const done: ModalSubmitResult = await view.submitModal(form, { ...values, reason: { text: 'old' } })
      console.log(done.status, form.source.modalId)
    } catch (e) {
      if (e instanceof NotFoundError) console.log('re-read the message')
    }
  }
  const delivery = WebhookDelivery.parse(rawBody, { headers: { 'x-sig': 'v' }, verifier: (headers, body) => void [headers, body.length] })
  const event: Event = await delivery.fetch(client.forUser(() => exchange(delivery.userId)))
  console.log(event.eventId, delivery.eventType)

  const rows = new Map<string, string>()
  const store: CheckpointStore = { load: async () => rows.get(user) ?? null, save: (id) => void rows.set(user, id) }
  const follower: EventsFollower = view.followEvents({ checkpoint: store, intervalMs: 6_000, signal: AbortSignal.timeout(60_000) })
  const handled: number = await follower.pollOnce(async (e: Event) => e.eventId !== 'skip')
  for await (const e of follower) {
    console.log(e.eventId, handled, follower.checkpoint)
    break
  }
  await follower.commit()
  await view.followEvents({ checkpoint: '/var/lib/app/alice.checkpoint' }).run((e) => console.log(e.eventId))
  follower.cancel()
}

void app
