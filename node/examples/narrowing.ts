// Type-checked with `tsc --strict --noEmit` by node/test.sh (it is in tsconfig.json):
// the tagged unions narrow on `type`, and this file stops compiling if they stop to.
// Each `@ts-expect-error` line must be an error, so an open union (where anything
// goes) fails here too.
import {
  Client,
  assistantMessages,
  contentText,
  contentTextLossy,
  messageText,
  reasoningMessages,
  textWithCitationMarkers,
} from 'moveworks'
import type { Content, Event, Message, OutputItem, ReasoningMessage, Response, UnknownVariant } from 'moveworks'

/** Exhaustiveness: a union member added without handling it here fails to compile. */
function unreachable(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`)
}

function describeOutput(item: OutputItem): string {
  // @ts-expect-error: `message` exists only on the MESSAGE member, so it is unreadable before narrowing.
  void item.message
  if (item.type === 'MESSAGE') {
    const m: Message = item.message
    const cited = m.contentReferences.map((r) => `${r.citationId}@${r.offset}`)
    const hints = m.citations.flatMap((c) => c.display?.attributes ?? []).map((a) => `${a.key}=${a.value}`)
    return `${m.actor}: ${cited.join(',')} ${hints.join(',')}`
  }
  switch (item.type) {
    case 'REASONING_MESSAGE': {
      const r: ReasoningMessage = item.reasoningMessage
      return `reasoning ${r.reasoningMessageId}`
    }
    case 'UNKNOWN': {
      const u: UnknownVariant = item
      // @ts-expect-error: the unknown variant has no `message`, even though its wire type could be anything.
      void item.message
      return `new output type ${u.typeName}: ${JSON.stringify(u.raw)}`
    }
    default:
      return unreachable(item)
  }
}

function describeContent(content: Content): string {
  switch (content.type) {
    case 'PLAIN_TEXT':
      return content.plainText.text
    case 'COMMONMARK_TEXT':
      return content.commonmarkText.text
    case 'MARKDOWN_TEXT':
      return content.markdownText.text
    case 'CALLBACK_ACTION_CONTENT':
      // A user's button press (rest/v1); history may leave out which one.
      return `(pressed ${content.callbackAction?.callbackId ?? 'a button'})`
    case 'UNKNOWN':
      return contentTextLossy(content) ?? `(${content.typeName})`
    default:
      return unreachable(content)
  }
}

function describeEvent(event: Event): string {
  const p = event.payload
  if (p.type === 'MESSAGE_EVENT') return messageText(p.message)
  // The only member left is the unknown one.
  const u: UnknownVariant = p
  return u.typeName
}

async function main(client: Client, conversationId: string): Promise<void> {
  const quick = client.withOptions({ maxRetries: 0, timeoutMs: 5_000 })
  const response: Response = await quick.createResponseAndWait(conversationId, 'Who does John Doe report to?')
  response.outputs.forEach((o) => console.log(describeOutput(o)))
  const answers: string[] = assistantMessages(response).map(textWithCitationMarkers)
  const reasoning: (string | null)[] = reasoningMessages(response).map((r) => contentText(r.content))
  console.log(answers, reasoning, reasoningMessages(response).map((r) => describeContent(r.content)))
  // @ts-expect-error: textWithCitationMarkers renders one message, not a whole Response.
  textWithCitationMarkers(response)
  for await (const e of client.iterEvents({ conversationId })) console.log(describeEvent(e))
}

void main
