// Type-checked with `tsc --strict --noEmit` by node/test.sh (it is in tsconfig.json):
// StreamEvent narrows on `event`, and the stream is an AsyncIterable of it.
import { CancelledError, Client, ResponseStream, assistantText, contentText } from 'moveworks'
import type { OutputDeltaEvent, OutputItem, Response, ResponseOutputDeltaEvent, StreamEvent, UnknownStreamEvent } from 'moveworks'

function unreachable(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`)
}

function describe(event: StreamEvent): string {
  // @ts-expect-error: `output` exists only on RESPONSE_OUTPUT_DELTA, so it is unreadable before narrowing.
  void event.output
  // Every event has the server's counter (null when the event carried none).
  const seq: number | null = event.sequenceNumber
  switch (event.event) {
    case 'RESPONSE_CREATED': {
      const id: string = event.responseId
      return `created ${id} (${event.response?.status ?? ''})`
    }
    case 'RESPONSE_IN_PROGRESS':
      return `in progress ${event.responseId ?? ''}`
    case 'RESPONSE_OUTPUT_DELTA': {
      const item: OutputItem = event.output
      const delta: ResponseOutputDeltaEvent = event
      const old: OutputDeltaEvent = delta // the deprecated alias names the same type
      if (item.type === 'MESSAGE') return `#${seq} ${contentText(item.message.content) ?? ''}`
      return `#${seq} ${old.outputType}`
    }
    case 'RESPONSE_COMPLETED': {
      const r: Response | null = event.response
      return `completed ${event.status} ${r ? assistantText(r) : ''}`
    }
    case 'RESPONSE_FAILED': {
      const r: Response | null = event.response
      return `failed: ${r?.error?.code ?? ''} ${r?.error?.message ?? ''}`
    }
    case 'ERROR': {
      const code: string = event.error.code
      return `stream error ${code}: ${event.error.message}`
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
  for await (const event of early) if (event.event === 'RESPONSE_OUTPUT_DELTA') break
  // @ts-expect-error: the earlier name `OUTPUT_DELTA` is not an event name any more.
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
