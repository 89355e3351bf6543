/**
 * The Trakt sandbox in a process of its own, as the broadcast benchmark runs it:
 * Trakt is remote in production, so the sandbox's own work (parsing every
 * request, JSON, answering) must not share the SDK's event loop or CPU.
 *
 * Run with `node --conditions=@org/source --import tsx sandbox-process.ts [options]`,
 * the options being `TraktSandboxOptions` as JSON (functions aside), from the first
 * argument or else from `TRAKT_SANDBOX_OPTIONS`. Once listening it writes one JSON
 * line to stdout, `{ "url", "clientId", "clientSecret" }`, and then stays up until
 * SIGTERM, SIGINT or its stdin closes (so it ends with the process that started
 * it, however that one ends), closes the sandbox and exits.
 */
import { startTraktSandbox, type TraktSandboxOptions } from "@org/trakt/sandbox"

/** The line the sandbox process writes once it listens. */
export interface SandboxProcessReady {
  readonly url: string
  readonly clientId: string
  readonly clientSecret: string
}

const readOptions = (): TraktSandboxOptions => {
  const text = process.argv[2] ?? process.env.TRAKT_SANDBOX_OPTIONS ?? "{}"
  const value: unknown = JSON.parse(text)
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error(`sandbox options must be a JSON object, not ${text}`)
  return value as TraktSandboxOptions
}

const main = async () => {
  const sandbox = await startTraktSandbox(readOptions())
  let closing = false
  const shutdown = () => {
    if (closing) return
    closing = true
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once("SIGTERM", shutdown)
  process.once("SIGINT", shutdown)
  process.stdin.once("end", shutdown)
  process.stdin.once("close", shutdown)
  process.stdin.resume()
  const ready: SandboxProcessReady = {
    url: sandbox.url,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret
  }
  process.stdout.write(`${JSON.stringify(ready)}\n`)
}

main().catch((error: unknown) => {
  console.error("sandbox process failed:", error)
  process.exit(1)
})
