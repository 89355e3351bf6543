/**
 * `@org/trakt/sandbox`: a Trakt API sandbox server for tests, demos and
 * benchmarks. Start one with `startTraktSandbox()` (a promise) or
 * `scopedTraktSandbox()` (an Effect that closes it with its scope), then point
 * the adapter's API and auth hosts at `sandbox.url`.
 */
import { Effect } from "effect"
import { startTraktSandbox, type TraktSandbox, type TraktSandboxOptions } from "./sandbox/TraktSandbox.js"

export {
  type FaultOptions,
  type IssuedTokens,
  type SandboxEndpoint,
  type SandboxFault,
  type SandboxItem,
  type SandboxPlay,
  type SandboxRequest,
  type SandboxScrobble,
  startTraktSandbox,
  type TraktSandbox,
  type TraktSandboxOptions
} from "./sandbox/TraktSandbox.js"

/** A sandbox that lives as long as the enclosing scope. */
export const scopedTraktSandbox = (options: TraktSandboxOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startTraktSandbox(options)),
    (sandbox: TraktSandbox) => Effect.promise(() => sandbox.close())
  )
