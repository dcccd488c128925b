import { assistantText } from 'moveworks'
import { Sandbox } from 'moveworks/testing'

// The sandbox: the SDK's simulator of the API, running in this process. No account needed.
const sandbox = await Sandbox.start()
// With an account: const client = new Client({ assistantName, clientId, clientSecret }) (or Client.fromEnv())
const client = sandbox.client()
const conversation = await client.createConversation({ title: 'Quickstart' })
const response = await client.createResponseAndWait(conversation.conversationId, 'Who does John Doe report to?')
console.log(response.status, assistantText(response))
await sandbox.close()
