'use strict'
// The events follower of `client.followEvents` (the core's EventsFollower, run by the
// addon on its thread pool): this file only shapes it for JS. Bound to index.js's
// converters by the function it exports, so there is one converter for the package.

/**
 * @param {object} internals index.js's `convertError`, `invalid`, `fromWire`
 */
module.exports = function bind({ convertError, invalid, fromWire }) {
  const eventOf = (json) => fromWire(JSON.parse(json))

  async function settled(promise) {
    try {
      return await promise
    } catch (err) {
      throw convertError(err)
    }
  }

  /**
   * A handler as the addon calls it: the event's wire JSON in, a Promise of "handled"
   * out. Returning `false` (or a Promise of it) means "not handled": the event is not
   * saved and is delivered again later. A handler that throws refuses the event too;
   * its error is kept in `state` and thrown by the call that ran it.
   */
  function handlerOf(handler, state) {
    if (typeof handler !== 'function') throw invalid('handler', 'must be a function taking an Event')
    return async (json) => {
      if (state.error !== undefined) return false
      try {
        return (await handler(eventOf(json))) !== false
      } catch (err) {
        state.error = err
        return false
      }
    }
  }

  /**
   * Follows one user's events feed (`GET /conversations/-/events?starting_after=…`),
   * delivering each event once, in feed order, and keeping its place in a checkpoint
   * store so that a restart goes on where it stopped. Made by `client.followEvents`.
   *
   * At-least-once: a crash between an event's handling and the save of its id delivers
   * that one event again; use `event.eventId` to drop a repeat. On a fresh checkpoint
   * the first poll only catches up (unless `replay`). 429s and transient failures are
   * backed off and retried; a permanent failure ends `run` with its error.
   *
   * Nothing here blocks the JS thread: the follower polls, waits and calls the checkpoint
   * store from the addon's thread pool (your handler and store run on the JS thread).
   */
  class EventsFollower {
    /** @internal Use `client.followEvents`. */
    constructor(follower, signal) {
      this._native = follower
      if (signal) {
        if (signal.aborted) follower.cancel()
        else signal.addEventListener('abort', () => follower.cancel(), { once: true })
      }
    }

    /**
     * The last checkpoint saved: an event id, `''` (following began at the start of an
     * empty feed), or null before the first poll.
     */
    get checkpoint() {
      return this._native.checkpoint ?? null
    }

    /** True once `cancel()` was called (or the signal aborted). */
    get cancelled() {
      return this._native.cancelled
    }

    /**
     * One poll (with its pages): each new event goes to `handler` (which may be async),
     * in order, its id saved once the handler returned; resolves to how many were
     * handled. Does not wait for the interval. A handler returning `false` stops there
     * (that event is delivered again); one that throws stops there and its error is thrown.
     */
    async pollOnce(handler) {
      const state = {}
      const handled = await settled(this._native.pollOnce(handlerOf(handler, state)))
      if (state.error !== undefined) throw state.error
      return handled
    }

    /**
     * Follows the feed until `cancel()` (or the signal), calling `handler` for each event
     * as `pollOnce` does; resolves when cancelled or when `handler` returns `false`, and
     * rejects with the handler's error or a permanent failure.
     */
    async run(handler) {
      const state = {}
      await settled(this._native.run(handlerOf(handler, state)))
      if (state.error !== undefined) throw state.error
    }

    /**
     * `for await (const event of follower)`: each event, waiting for the next as long as
     * it takes; an event's id is saved when the next one is asked for, so leaving the loop
     * leaves the last one unsaved (delivered again later) unless you call `commit()`.
     * Ends when cancelled; throws a permanent failure.
     */
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const json = await settled(this._native.nextEvent())
        if (json == null) return
        yield eventOf(json)
      }
    }

    /** Saves the checkpoint of the last event the loop yielded, if not saved yet. */
    async commit() {
      await settled(this._native.commit())
    }

    /** Stops the follower: `run` and the loop end (a wait between polls is cut short). */
    cancel() {
      this._native.cancel()
    }
  }

  return { EventsFollower }
}
