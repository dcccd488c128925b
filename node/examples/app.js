'use strict'
// App code as an app would write it (tested in test/sandbox.test.js against the sandbox).
const { assistantText, ResponseFailedError } = require('moveworks')

/**
 * Asks `question` in a new conversation. Resolves to `{ ok: true, answer }`, or to
 * `{ ok: false, answer: <an apology>, responseId }` when the assistant failed to answer;
 * other errors (rate limits after the client's retries, connection errors) are thrown.
 */
async function ask(client, question) {
  const conversation = await client.createConversation({ title: question.slice(0, 256) })
  try {
    const response = await client.createResponseAndWait(conversation.conversationId, question, {
      signal: AbortSignal.timeout(60_000),
    })
    return { ok: true, answer: assistantText(response) ?? '' }
  } catch (err) {
    if (err instanceof ResponseFailedError) {
      return { ok: false, answer: 'Sorry, the assistant could not answer that. Please try again.', responseId: err.responseId }
    }
    throw err
  }
}

module.exports = { ask }
