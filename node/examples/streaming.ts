// Type-checked with `tsc --strict --noEmit` by node/test.sh (it is in tsconfig.json):
// StreamEvent narrows on `event`, and the stream is an AsyncIterable of it.
import { CancelledError, Client, ResponseStream, assistantText, contentText } from 'moveworks'
import type { OutputItem, Response, StreamEvent, UnknownStreamEvent } from 'moveworks'

function unreachable(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`)
}

function describe(event: StreamEvent): string {
  // @ts-expect-error: `output` exists only on OUTPUT_DELTA, so it is unreadable before narrowing.
  void event.output
  switch (event.event) {
    case 'RESPONSE_CREATED': {
      const id: string = event.responseId
      return `created ${id}`
    }
    case 'RESPONSE_IN_PROGRESS':
      return `in progress ${event.responseId ?? ''}`
    case 'OUTPUT_DELTA': {
      const item: OutputItem = event.output
      const n: number = event.sequenceNumber
      if (item.type === 'MESSAGE') return `#${n} ${contentText(item.message.content) ?? ''}`
      return `#${n} ${event.outputType}`
    }
    case 'RESPONSE_COMPLETED': {
      const r: Response | null = event.response
      return `completed ${event.status} ${r ? assistantText(r) : ''}`
    }
    case 'UNKNOWN': {
      const u: UnknownStreamEvent = event
      // @ts-expect-error: the unknown variant has no `output`, whatever its wire name.
      void event.output
      return `new event ${u.eventName}: ${u.data}`
    }
    default:
      return unreachable(event)
  }
}

async function main(client: Client, conversationId: string): Promise<void> {
  const stream: ResponseStream = client.streamResponse(conversationId, 'Who does John Doe report to?', {
    signal: AbortSignal.timeout(60_000),
    idleTimeoutMs: 10_000,
  })
  for await (const event of stream) console.log(describe(event))
  const final: Response | undefined = stream.response
  console.log(stream.responseId, stream.requestId, final?.status)

  // Leaving early closes the stream; the answer can still be polled by its id.
  const early = client.streamResponse(conversationId, 'And his manager?')
  for await (const event of early) if (event.event === 'OUTPUT_DELTA') break
  if (early.responseId) await client.waitForResponse(conversationId, early.responseId)

  const response: Response = await client.streamResponse(conversationId, 'Thanks!').finalResponse()
  const same: Response = await client.streamResponseAndWait(conversationId, 'Bye', {
    onEvent: (e) => console.log(describe(e)),
  })
  console.log(response.status, same.status)
  try {
    await client.streamResponseAndWait(conversationId, 'slow', { signal: AbortSignal.timeout(1) })
  } catch (e) {
    if (e instanceof CancelledError) console.log('cancelled', e.responseId)
  }
  // @ts-expect-error: streamResponse returns the stream itself, not a Promise of it.
  await client.streamResponse(conversationId, 'x').then(() => {})
}

void main
