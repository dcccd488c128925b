// Type-checked with `tsc --strict --noEmit` by node/test.sh: the public types in use.
import { Client, NotFoundError, MoveworksError, assistantText, toWire } from 'moveworks'
import type {
  Conversation,
  Response,
  ResponseStatus,
  OutputItem,
  ConversationPage,
  FeedbackResult,
  FeedbackStatus,
  Message,
  MessagePage,
} from 'moveworks'

async function turn(client: Client, question: string): Promise<string> {
  const conversation: Conversation = await client.createConversation({ title: 'typed example' })
  const created: Date = conversation.createdAt
  void created
  const ac = new AbortController()
  const response: Response = await client.createResponseAndWait(conversation.conversationId, question, {
    signal: ac.signal,
    deadlineMs: 60_000,
    onUpdate: (r: Response) => {
      const s: ResponseStatus = r.status
      if (s === 'FAILED' || s === 'SOMETHING_NEW') console.log(s)
    },
  })
  for (const item of response.outputs as OutputItem[]) {
    if (item.type === 'MESSAGE') console.log(item.type)
  }
  const page: ConversationPage = await client.listConversations({ limit: 10 })
  const next: string | null = page.nextCursor
  void next
  for await (const c of client.iterConversations({ limit: 50 })) console.log(c.conversationId, c.updatedAt.toISOString())
  void toWire(response)
  return assistantText(response) ?? ''
}

/** Rates the newest assistant answer of a conversation helpful; null when there is none. */
async function rateNewest(client: Client, conversationId: string): Promise<FeedbackStatus | null> {
  const page: MessagePage = await client.listMessages(conversationId, { limit: 20, signal: AbortSignal.timeout(10_000) })
  const supportId: string | null = page.requestId
  void supportId
  for await (const message of client.iterMessages(conversationId, { limit: 50 })) {
    const m: Message = message
    // @ts-expect-error: `feedback` (and `helpful`) may be absent, so it must be checked first under --strict.
    void m.feedback.helpful.callbackId
    const helpful = m.feedback?.helpful
    if (m.actor !== 'ASSISTANT' || !helpful) continue
    const result: FeedbackResult = await client.submitFeedback(m.conversationId, m.responseId, m.messageId, helpful.callbackId, {
      additionalFeedback: 'thanks',
    })
    if (result.status === 'SUBMITTED') console.log('rated', result.requestId)
    return result.status
  }
  for await (const m of client.iterResponseMessages(conversationId, 'resp_1')) console.log(m.messageId)
  const rm: MessagePage = await client.listResponseMessages(conversationId, 'resp_1', { limit: 10 })
  void rm.nextCursor
  return null
}

async function main(): Promise<void> {
  const client = new Client({ assistantName: 'acme', token: 'secret', maxRetries: 3 })
  try {
    console.log(await turn(client, 'hello'))
    console.log(await rateNewest(client, 'conv_1'))
  } catch (err) {
    if (err instanceof NotFoundError) console.log(err.status, err.code, err.requestId)
    else if (err instanceof MoveworksError) console.log(err.kind, err.retryAfter)
    else throw err
  }
}

void main()
