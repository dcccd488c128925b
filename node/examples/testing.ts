// Type-checks `moveworks/testing` (npx tsc -p tsconfig.json): the sandbox's options, properties and answers.
import { Client, RateLimitError } from 'moveworks'
import { Sandbox, type SandboxRequest } from 'moveworks/testing'

export async function rateLimited(): Promise<SandboxRequest[]> {
  const sandbox = await Sandbox.start({ responseDurationMs: 50, assistantName: 'acme' })
  try {
    const client: Client = sandbox.client({ maxRetries: 0 })
    const conversation = await client.createConversation()
    sandbox.fault({ kind: 'status', status: 429, retryAfter: 1, pathContains: '/responses' })
    await client.createResponse(conversation.conversationId, 'hi').catch((e: unknown) => {
      if (!(e instanceof RateLimitError)) throw e
    })
    const url: string = sandbox.baseUrl
    const settings = sandbox.configure({ responseDurationMs: 10 })
    const event = sandbox.injectEvent({ conversationId: conversation.conversationId, text: url })
    console.log(settings, event.conversationId, sandbox.run('fail_next_response', { count: 1 }))
    return sandbox.requests({ method: 'POST' }).filter((r) => r.status === 429 && r.userAgent !== null)
  } finally {
    await sandbox.close()
  }
}
