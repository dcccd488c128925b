'use strict'
// One full turn against the API (or the simulator): create a conversation, ask,
// stream progress, print the answer with citation markers.
//   MOVEWORKS_BASE_URL=... MOVEWORKS_ASSISTANT_NAME=... MOVEWORKS_TOKEN=... node examples/full_turn.js "question"
const { Client, MoveworksError, assistantMessages, textWithCitationMarkers } = require('moveworks')

async function main() {
  const client = Client.fromEnv()
  const question = process.argv[2] ?? 'Who does John Doe report to?'
  const conversation = await client.createConversation({ title: question.slice(0, 256) })
  const response = await client.createResponseAndWait(conversation.conversationId, question, {
    signal: AbortSignal.timeout(120_000),
    onUpdate: (r) => console.error(`… ${r.status}`),
  })
  // Markers are per message (their offsets are into that message's text).
  const answer = assistantMessages(response).map(textWithCitationMarkers).join('\n\n')
  console.log(answer || '(no answer)')
}

main().catch((err) => {
  if (err instanceof MoveworksError) console.error(`${err.name} (${err.kind}): ${err.message}${err.requestId ? ` [request ${err.requestId}]` : ''}`)
  else console.error(err)
  process.exit(1)
})
