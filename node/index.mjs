// ESM entry: the same objects as the CommonJS entry (one module instance, so instanceof agrees).
import { createRequire } from 'node:module'

const cjs = createRequire(import.meta.url)('./index.js')

export const {
  Client,
  ResponseStream,
  MoveworksError,
  InvalidArgumentError,
  APIConnectionError,
  APITimeoutError,
  DecodeError,
  OAuthError,
  APIStatusError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RateLimitError,
  InternalServerError,
  ResponseFailedError,
  PollTimeoutError,
  CancelledError,
  ERROR_CLASSES,
  Input,
  EventsFollower,
  WebhookDelivery,
  modalRef,
  modals,
  toWire,
  assistantText,
  assistantMessages,
  reasoningMessages,
  textWithCitationMarkers,
  messageText,
  contentText,
  contentTextLossy,
  setLogLevel,
  logLevel,
  VERSION,
} = cjs
export default cjs
