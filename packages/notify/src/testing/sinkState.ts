/**
 * What both sinks keep besides their protocol: failures to inject, counted down as
 * they are used, and callers waiting for a number of messages.
 */

/** Failures in the order given; each is used `times` times (default: forever). */
export const makeFailureQueue = <F>() => {
  let entries: Array<{ readonly failure: F; remaining: number }> = []
  return {
    /** Replace every failure with this one. */
    set(failure: F, options: { readonly times?: number } = {}) {
      entries = [{ failure, remaining: options.times ?? Number.POSITIVE_INFINITY }]
    },
    /** Add a failure after the ones already there. */
    add(failure: F, options: { readonly times?: number } = {}) {
      entries.push({ failure, remaining: options.times ?? Number.POSITIVE_INFINITY })
    },
    clear() {
      entries = []
    },
    /** The first failure left that `applies`, counted as used. */
    take(applies: (failure: F) => boolean = () => true): F | undefined {
      const entry = entries.find((e) => e.remaining > 0 && applies(e.failure))
      if (entry === undefined) return undefined
      entry.remaining--
      return entry.failure
    }
  }
}

/** Promises that resolve once `messages` holds `count` messages; call `notify` after each. */
export const makeMessageWaiters = <M>(messages: ReadonlyArray<M>) => {
  const waiters = new Set<() => void>()
  return {
    notify() {
      for (const wake of [...waiters]) wake()
    },
    waitFor(count: number, timeoutMs = 5_000): Promise<ReadonlyArray<M>> {
      return new Promise((resolve, reject) => {
        if (messages.length >= count) return resolve([...messages])
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`expected ${count} messages within ${timeoutMs} ms, got ${messages.length}`))
        }, timeoutMs)
        const check = () => {
          if (messages.length < count) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve([...messages])
        }
        waiters.add(check)
      })
    }
  }
}
