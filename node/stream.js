'use strict'
// The streams of `client.streamResponse` and the cancellation of every call by an
// AbortSignal: a stream is an async iterable over the events the core's reader thread
// hands the JS thread in batches. Bound to index.js's converters and error classes by the
// function it exports, so there is one converter for the package.

/**
 * @param {object} internals index.js's addon, error classes, `convertError`, `optNum`
 *   and `streamEventFromWire`
 * @returns {{ withSignal: Function, ResponseStream: Function, streamOptions: Function }}
 */
module.exports = function bind({ native, convertError, CancelledError, APIConnectionError, MoveworksError, optNum, streamEventFromWire }) {
  // ---- cancellation -----------------------------------------------------------

  /**
   * Runs `fn(handle)` with a native cancel handle tied to `signal`, converting
   * errors. An already-aborted signal rejects without starting the call.
   */
  async function withSignal(signal, fn, handle = undefined) {
    if (signal?.aborted) {
      throw Object.assign(new CancelledError({ kind: 'cancelled', message: 'the operation was cancelled' }), { cause: signal.reason })
    }
    if (signal && !handle) handle = new native.CancelHandle()
    const onAbort = () => handle.cancel()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      return await fn(handle)
    } catch (err) {
      const e = convertError(err)
      if (e instanceof CancelledError && signal?.aborted && e.cause === undefined) e.cause = signal.reason
      throw e
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  // ---- streams ------------------------------------------------------------------

  const DONE = Object.freeze({ done: true, value: undefined })

  /**
   * Streams waiting for their reader thread, by id, and the one waker (per JS thread) that
   * the readers call with a waiting stream's id when they have something. While any stream
   * waits, a timer that never fires keeps the event loop alive (the waker does not), as
   * the pending `next()` of a stream you loop over should.
   */
  const waiting = new Map()
  let lastStreamId = 0
  const keepAlive = setInterval(noop, 2 ** 31 - 1)
  keepAlive.unref()
  const waker = new native.StreamWaker(() => {
    // One call for every stream woken since the last: readers do not queue a call each.
    for (const id of waker.take()) {
      const stream = waiting.get(id)
      if (stream === undefined) continue // a stream no longer waiting (the wake is a hint to ask again)
      waiting.delete(id)
      awake.push(stream)
    }
    if (waiting.size === 0) keepAlive.unref()
    // At once, not in a `setImmediate`: the wait for the loop's check phase was a quarter of a
    // first event's latency on an idle machine. A burst still yields after each share.
    if (awake.length > 0 && !resumeScheduled) resumeAwake()
  })

  /**
   * Streams woken and not yet resumed. Node runs a burst of wakes (a thousand streams'
   * first events) in one go, and each resumed stream runs its loop's body before the
   * event loop gets back to timers and I/O; so the wake resumes at most
   * `RESUMED_PER_TURN` streams and leaves the rest to one `setImmediate` per share,
   * which bounds how long a burst holds the loop while a lone stream resumes at once.
   */
  const awake = []
  let resumeScheduled = false
  const RESUMED_PER_TURN = native.RESUMED_PER_LOOP_TURN
  function resumeAwake() {
    const now = awake.splice(0, RESUMED_PER_TURN)
    resumeScheduled = awake.length > 0
    if (resumeScheduled) setImmediate(resumeAwake)
    for (const stream of now) {
      const wake = stream._wake
      stream._wake = null
      wake()
    }
  }

  /**
   * Streams started by one run of JS code (a loop opening a thousand of them) are held and
   * handed to the addon's reader threads together, in a microtask after that code: their
   * threads, and the server's answering them, no longer compete with the loop for a CPU
   * while it still has streams to open (on a 2-core machine that tripled the loop's time).
   */
  function holdStreamStarts() {
    // The core knows whether this thread holds already: one release per run of JS code.
    if (native.holdStreamStarts()) queueMicrotask(native.startHeldStreams)
  }

  function cancelledBy(signal) {
    return Object.assign(new CancelledError({ kind: 'cancelled', message: 'the operation was cancelled' }), { cause: signal.reason })
  }

  /**
   * A streamed answer: an async iterable of StreamEvents over the core's ResponseStream,
   * made by `client.streamResponse`. The message is sent at once; iterate (once) for the
   * events, or await `finalResponse()`. A successful turn ends with a RESPONSE_COMPLETED
   * event carrying the final response (also when the stream broke and the core finished
   * the turn by polling); a failed one throws its error from the loop. Leaving the loop
   * early (break, return, throw) or `close()` closes the stream's connection at once; a
   * stream dropped unread is closed when it is garbage collected.
   *
   * The turn is read ahead on a thread of its own (the addon's `StreamPump`); the addon
   * hands over everything read so far as one batch, which is decoded here one event
   * per `next()`, so a burst of events costs one crossing, and one thread hop at most.
   */
  class ResponseStream {
    /** @internal Use `client.streamResponse`. */
    constructor(start, signal) {
      this._handle = new native.CancelHandle()
      this._signal = signal
      this._native = null
      this._closed = false
      /** Set once the turn ended: `{ response }` or `{ error }`. */
      this._outcome = null
      this._errorThrown = false
      this._responseId = null
      this._requestId = null
      /**
       * The current batch (the addon's lines: one per event, then the batch's own), where
       * its next event's line starts, and where the batch's line starts.
       */
      this._batch = ''
      this._at = 0
      this._eventsEnd = 0
      /** The current batch's end, once its events are handed out: null, 'ok' or an error message. */
      this._batchEnd = null
      /** An error thrown before the stream started, reported by the first `next()`. */
      this._openError = null
      /** Steps waiting for the addon, and the last of them (later calls queue up behind it). */
      this._busy = 0
      this._tail = null
      /** The waker's key for this stream, and what resolves its wait for the reader. */
      this._id = lastStreamId = (lastStreamId + 1) >>> 0
      this._wake = null
      if (signal?.aborted) {
        this._openError = cancelledBy(signal)
      } else {
        this._onAbort = () => this._handle.cancel()
        signal?.addEventListener('abort', this._onAbort, { once: true })
        holdStreamStarts()
        try {
          this._native = start(this._handle)
        } catch (err) {
          this._openError = err
        }
      }
    }

    /** The response's id, once the server named it (null before). */
    get responseId() {
      return this._responseId
    }

    /** The `x-moveworks-root-uuid` of the streaming request (quote it to support), once the stream opened. */
    get requestId() {
      return this._requestId
    }

    /** The final COMPLETED response once the turn ended successfully, else undefined. */
    get response() {
      return this._outcome?.response
    }

    [Symbol.asyncIterator]() {
      return this
    }

    /** The next event; calls queue up, so concurrent callers never share a step. */
    next() {
      if (this._busy === 0) {
        // Nothing queued: an event already here is handed out without waiting for the addon.
        let got
        try {
          got = this._take()
        } catch (err) {
          return Promise.reject(err)
        }
        if (!isThenable(got)) return Promise.resolve(got)
        return this._queueStep(got, null)
      }
      return this._queueStep(null, this._tail)
    }

    /** Starts a step that waits (for the addon's `batch`, or after `previous`); later calls queue behind it. */
    _queueStep(batch, previous) {
      this._busy++
      const step = this._run(batch, previous)
      this._tail = step
      return step
    }

    async _run(batch, previous) {
      try {
        if (previous) {
          await previous.then(noop, noop)
          const got = this._take()
          if (!isThenable(got)) return got
          batch = got
        }
        return await this._settle(batch)
      } finally {
        // Before the step's promise resolves: the caller's next `next()` sees nothing queued.
        this._busy--
      }
    }

    /** Ends the iteration: closes the stream (what `break` out of `for await` calls). */
    async return() {
      this.close()
      return DONE
    }

    /**
     * One step without waiting: the iterator result, or, when the addon has nothing yet,
     * a promise that resolves when it may have (then `_settle`).
     */
    _take() {
      for (;;) {
        if (this._outcome) {
          if (this._outcome.error && !this._errorThrown) {
            this._errorThrown = true
            throw this._outcome.error
          }
          return DONE
        }
        if (this._closed) return DONE
        if (this._at < this._eventsEnd) return this._deliver(this._nextStep())
        if (this._batchEnd !== null) return this._finish()
        if (this._openError) return this._fail(this._openError)
        let batch
        try {
          batch = this._native.next(waker, this._id)
        } catch (err) {
          return this._fail(err)
        }
        if (batch === null) return this._waitForReader()
        this._load(batch)
      }
    }

    /** A promise resolved when the reader wakes this stream (something read, or closed). */
    _waitForReader() {
      return new Promise((resolve) => {
        this._wake = resolve
        if (waiting.size === 0) keepAlive.ref()
        waiting.set(this._id, this)
      })
    }

    /** Waits until the reader wakes this stream, then goes on taking. */
    async _settle(promise) {
      for (;;) {
        await promise
        const got = this._take()
        if (!isThenable(got)) return got
        promise = got
      }
    }

    /**
     * Takes in one batch (the addon's lines). Only its last line is parsed now; each event
     * is parsed when it is handed out, so the objects of a large batch are not all made
     * (and kept alive through collections) before the first is used.
     */
    _load(lines) {
      const last = lines.lastIndexOf('\n') + 1
      const batch = JSON.parse(last === 0 ? lines : lines.slice(last))
      this._batch = lines
      this._at = 0
      this._eventsEnd = last
      this._batchEnd = batch.end
      if (batch.response_id != null) this._responseId = batch.response_id
      if (batch.request_id != null) this._requestId = batch.request_id
    }

    /** The batch's next event (its wire step), parsed from its line. */
    _nextStep() {
      const at = this._at
      const nl = this._batch.indexOf('\n', at)
      this._at = nl + 1
      const step = JSON.parse(this._batch.slice(at, nl))
      if (this._at === this._eventsEnd) this._batch = '' // the batch's string is not kept alive
      return step
    }

    _deliver(step) {
      const event = streamEventFromWire(step.event, step.known, step.request_id, step.http_headers)
      if (step.succeeded) this._end({ response: event.response })
      return { done: false, value: event }
    }

    /** The batch's end, once its events were handed out. */
    _finish() {
      const end = this._batchEnd
      this._batchEnd = null
      if (end !== 'ok') return this._fail({ message: end })
      // The core ends a turn with RESPONSE_COMPLETED or an error; this is only a safeguard.
      this._end({ error: new APIConnectionError({ kind: 'connection', message: 'the stream ended early', responseId: this._responseId }) })
      this._errorThrown = true
      return DONE
    }

    _fail(err) {
      if (this._closed) return DONE // the error of a read that close() interrupted
      const e = convertError(err)
      if (e instanceof CancelledError && this._signal?.aborted && e.cause === undefined) e.cause = this._signal.reason
      if (e instanceof MoveworksError && e.responseId == null && this._responseId != null) e.responseId = this._responseId
      this._end({ error: e })
      this._errorThrown = true
      throw e
    }

    _end(outcome) {
      if (!this._outcome) this._outcome = outcome
      if (this._onAbort) this._signal?.removeEventListener('abort', this._onAbort)
      this._onAbort = undefined
    }

    /**
     * Reads (and discards) the remaining events and resolves to the final response, or
     * rejects with the error the turn ended with. Callable more than once.
     */
    async finalResponse() {
      while (!this._outcome) {
        try {
          if ((await this.next()).done) break
        } catch {
          // The turn's error: rethrown below.
        }
      }
      if (this._outcome?.response) return this._outcome.response
      throw this._outcome?.error ?? new APIConnectionError({ kind: 'connection', message: 'the stream ended early' })
    }

    /**
     * Stops now: the connection is closed at once (also while a `next()` waits, which then
     * ends the iteration). A turn not yet ended ends as CancelledError (what
     * `finalResponse()` rejects with); the response goes on server-side and can be polled
     * by `responseId`. Idempotent.
     */
    close() {
      if (this._closed) return
      this._closed = true
      const message = `the stream was closed${this._responseId ? ` (response ${this._responseId})` : ''}`
      this._end({ error: new CancelledError({ kind: 'cancelled', message, responseId: this._responseId }) })
      this._errorThrown = true
      this._batch = ''
      this._eventsEnd = this._at = 0
      if (this._native) this._native.close()
      else this._handle.cancel()
    }
  }

  function isThenable(x) {
    return x != null && typeof x.then === 'function'
  }

  function noop() {}

  /** The streaming options of `streamResponse` as the addon takes them. */
  function streamOptions(o) {
    return {
      idleTimeoutMs: optNum('idleTimeoutMs', o.idleTimeoutMs),
      deadlineMs: optNum('deadlineMs', o.deadlineMs),
      initialIntervalMs: optNum('initialIntervalMs', o.initialIntervalMs),
      maxIntervalMs: optNum('maxIntervalMs', o.maxIntervalMs),
      backoffFactor: optNum('backoffFactor', o.backoffFactor),
    }
  }

  return { withSignal, ResponseStream, streamOptions }
}
