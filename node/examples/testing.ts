// Type-checks `moveworks/testing` (npx tsc -p tsconfig.json): the sandbox's options, properties and answers.
import { Client, RateLimitError } from 'moveworks'
import { Sandbox, type SandboxFault, type SandboxRequest } from 'moveworks/testing'

export async function rateLimited(): Promise<SandboxRequest[]> {
  const sandbox = await Sandbox.start({ responseDurationMs: 50, assistantName: 'acme' })
  try {
    const client: Client = sandbox.client({ maxRetries: 0 })
    const conversation = await client.createConversation()
    sandbox.fault({ kind: 'status', status: 429, retryAfter: 1, pathContains: '/responses' })
    await client.createResponse(conversation.conversationId, 'hi').catch((e: unknown) => {
      if (!(e instanceof RateLimitError)) throw e
    })
    // Faults are a union on `kind`: each kind's own fields are typed.
    const faults: SandboxFault[] = [
      { kind: 'stream_error', afterEvents: 2, code: 'INTERNAL_ERROR', message: 'the stream failed' },
      { kind: 'stream_stall', afterEvents: 1, ms: 5000 },
      { kind: 'handoff', count: 2 },
      { kind: 'raw_message', message: { actor: 'ASSISTANT', content_references: [{ citation_id: 'cite_1', offset: 0 }] } },
    ]
    for (const f of faults) sandbox.fault(f)
    // @ts-expect-error: a raw_message fault needs its `message`.
    sandbox.fault({ kind: 'raw_message' })
    // @ts-expect-error: `after_events` is spelt `afterEvents` here.
    sandbox.fault({ kind: 'stream_drop', after_events: 1 })
    const url: string = sandbox.baseUrl
    const settings = sandbox.configure({ responseDurationMs: 10 })
    const event = sandbox.injectEvent({ conversationId: conversation.conversationId, text: url })
    console.log(settings, event.conversationId, sandbox.run('fail_next_response', { count: 1 }))
    return sandbox.requests({ method: 'POST' }).filter((r) => r.status === 429 && r.userAgent !== null)
  } finally {
    await sandbox.close()
  }
}
