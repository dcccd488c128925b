// Type-checked with `tsc --strict --noEmit` by node/test.sh: the public types in use.
import { Client, NotFoundError, MoveworksError, assistantText, toWire } from 'moveworks'
import type { Conversation, Response, ResponseStatus, OutputItem, ConversationPage } from 'moveworks'

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

async function main(): Promise<void> {
  const client = new Client({ assistantName: 'acme', token: 'secret', maxRetries: 3 })
  try {
    console.log(await turn(client, 'hello'))
  } catch (err) {
    if (err instanceof NotFoundError) console.log(err.status, err.code, err.requestId)
    else if (err instanceof MoveworksError) console.log(err.kind, err.retryAfter)
    else throw err
  }
}

void main()
