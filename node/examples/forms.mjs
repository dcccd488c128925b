import { assistantMessages, assistantText, messageText, modals } from 'moveworks'
import { Sandbox } from 'moveworks/testing'

// rest/v1 (the client's default generation) in the sandbox: its origin, no path.
const sandbox = await Sandbox.start()
const client = sandbox.client({ baseUrl: sandbox.origin })
// Every rest/v1 request acts for one user: one view per user, all on this client's pool.
// With an account the provider is your code (e.g. your identity provider's token exchange).
const { token } = sandbox.run('user_token', { userId: 'u_alice' })
const alice = client.forUser(async () => ({ token, expiresIn: 3600 }))

const { conversationId } = await alice.createConversation({ title: 'New laptop' })
const answer = await alice.createResponseAndWait(conversationId, 'I need a new laptop')
const [message] = assistantMessages(answer)
console.log(messageText(message))
message.actions.forEach((action, i) => console.log(`  [${i + 1}] ${action.label} (${action.type})`))

// Press a button: its callback id is the next turn.
const fileIt = message.actions.find((action) => action.type === 'CALLBACK_ACTION')
const pressed = await alice.press(conversationId, fileIt)
console.log(`pressed "${fileIt.label}":`, assistantText(await alice.waitForResponse(conversationId, pressed.responseId)))

// Open the form of the MODAL_ACTION, fill it in: choosing a model re-resolves the form.
let form = await alice.getModal(modals(message)[0])
console.log(form.title, form.fields.filter((f) => f.visible).map((f) => `${f.name}:${f.type}`).join(' '))
const values = { model: { option: form.fields.find((f) => f.name === 'model').choice.options[0].value } }
form = await alice.refreshModal(form, values) // `model` triggersRefresh: send all values
console.log('after refresh:', form.fields.filter((f) => f.required).map((f) => f.name).join(' '))
values.needed_by = { date: '2027-01-15' }
values.reason = { text: 'My laptop is five years old' }

// The assistant's follow-up arrives as an event: follow the feed from now on, then submit.
const follower = alice.followEvents({ intervalMs: 100 })
await follower.pollOnce(() => {}) // a fresh follower's first poll only catches up
console.log('submitted:', (await alice.submitModal(form, values)).status)
for await (const event of follower) {
  console.log('follow-up:', messageText(event.payload.message))
  break
}
await sandbox.close()
