/**
 * `Idempotency-Key` for any API of the kit, with Stripe's semantics: a client
 * that retries a mutating request with the same key gets the first request's
 * answer (status and body, byte for byte, with `Idempotent-Replayed: true`)
 * instead of a second effect.
 *
 * - Keys are 1 to 255 visible ASCII characters and scoped per caller.
 * - The same key with another method, path or body: 422 `idempotency_key_reused`.
 * - The same key while the first request runs: 409 `idempotency_key_in_use`
 *   with `Retry-After: 1`.
 * - Answers to requests that never began (400 validation, 401, 403, 413, 415,
 *   429, 503) are not kept: the key can be used again.
 *
 * Routes choose a mode. `"transaction"` (the request touches only the
 * database): the key's row, the handler's writes and the stored answer commit
 * in one unit of work; an error answer rolls the handler's writes back and
 * keeps the answer. `"separate"` (the request calls another service): the key
 * is claimed and committed first, the answer recorded after; a claim whose
 * process died is taken over after `abandonedAfter`.
 */
import { createHash } from "node:crypto"
import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { IdempotencyStore, type StoredAnswer, StoreUnavailable, UnitOfWork } from "@org/core"
import { DateTime, Duration, Effect, Option, Schedule } from "effect"

export type IdempotencyMode = "transaction" | "separate"

export interface IdempotencyOptions<R> {
  /** How a mutating request takes part, by method and path; `undefined`: the header is ignored. */
  readonly mode: (method: string, path: string) => IdempotencyMode | undefined
  /** Who calls (a user id): keys are theirs alone. `None`: no key is used (the handler answers 401). */
  readonly scope: (
    request: HttpServerRequest.HttpServerRequest
  ) => Effect.Effect<Option.Option<string>, never, R>
  /** How long a `"separate"` claim may run before a retry takes it over. Default 60 seconds. */
  readonly abandonedAfter?: Duration.DurationInput | undefined
}

export const IDEMPOTENCY_HEADER = "idempotency-key"
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255

const validKey = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/

const mutating = new Set(["POST", "PUT", "PATCH", "DELETE"])

/** Answers that are not kept: the request never began (or may be retried as new). */
const notKept = new Set([400, 401, 403, 405, 406, 408, 413, 415, 422, 429, 503])

const errorAnswer = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.unsafeJson({ error: { code, message } }, { status, headers })

/** Canonical JSON (keys sorted) so the same body spaced differently is the same request. */
const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical)
  if (value === null || typeof value !== "object") return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])])
  )
}

const fingerprintOf = (method: string, path: string, body: Uint8Array) => {
  const hash = createHash("sha256").update(`${method} ${path}\n`)
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(body)
    hash.update(text.trim() === "" ? "{}" : JSON.stringify(canonical(JSON.parse(text))))
  } catch {
    hash.update(body)
  }
  return hash.digest("base64url")
}

const replay = (answer: StoredAnswer) =>
  HttpServerResponse.uint8Array(answer.body, {
    status: answer.status,
    contentType: answer.contentType,
    headers: { "idempotent-replayed": "true" }
  })

/** The answer to keep, when it is one: a buffered body and a status that means the request ran. */
const toKeep = (
  response: HttpServerResponse.HttpServerResponse,
  mode: IdempotencyMode
): StoredAnswer | undefined => {
  if (notKept.has(response.status)) return undefined
  // Inside a unit of work a 5xx rolled everything back: a retry may run afresh.
  if (mode === "transaction" && response.status >= 500) return undefined
  if (response.body._tag !== "Uint8Array") return undefined
  return {
    status: response.status,
    contentType: response.body.contentType,
    body: response.body.body
  }
}

/** An error answer inside a unit of work: carried out of it so its writes roll back. */
class Undo {
  constructor(readonly response: HttpServerResponse.HttpServerResponse) {}
}

const inUse = () =>
  errorAnswer(
    409,
    "idempotency_key_in_use",
    "A request with this Idempotency-Key is still being processed; retry it shortly.",
    { "retry-after": "1" }
  )

const reused = () =>
  errorAnswer(
    422,
    "idempotency_key_reused",
    "This Idempotency-Key was already used for a different request (method, path or body). Use a new key for a new request."
  )

/**
 * The middleware: wrap an `HttpApp` whose body is already buffered (inside the
 * body guard). Needs an `IdempotencyStore` and a `UnitOfWork`.
 */
export const makeIdempotency =
  <R>(options: IdempotencyOptions<R>) =>
  <E, R2>(app: HttpApp.Default<E, R2>): HttpApp.Default<E, R | R2 | IdempotencyStore | UnitOfWork> => {
    const abandonedAfter = Duration.decode(options.abandonedAfter ?? "60 seconds")
    return Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const key = request.headers[IDEMPOTENCY_HEADER]
      if (key === undefined || !mutating.has(request.method)) return yield* app
      const path = new URL(request.url, "http://x").pathname
      const mode = options.mode(request.method, path)
      if (mode === undefined) return yield* app
      if (!validKey.test(key))
        return errorAnswer(
          400,
          "validation_error",
          `The Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters.`
        )
      const scope = yield* options.scope(request)
      if (Option.isNone(scope)) return yield* app
      const body = new Uint8Array(yield* Effect.orElseSucceed(request.arrayBuffer, () => new ArrayBuffer(0)))
      const fingerprint = fingerprintOf(request.method, path, body)
      const store = yield* IdempotencyStore
      const unit = yield* UnitOfWork
      const now = yield* DateTime.now
      const claim = store.claim(
        scope.value,
        key,
        fingerprint,
        now,
        DateTime.subtractDuration(now, abandonedAfter)
      )
      const settle = (response: HttpServerResponse.HttpServerResponse) => {
        const answer = toKeep(response, mode)
        return Effect.as(
          answer === undefined
            ? store.release(scope.value, key)
            : Effect.flatMap(DateTime.now, (at) => store.complete(scope.value, key, answer, at)),
          response
        )
      }
      const decided = <E2, R3>(claimed: Effect.Effect<HttpServerResponse.HttpServerResponse, E2, R3>) =>
        Effect.flatMap(claim, (result): Effect.Effect<HttpServerResponse.HttpServerResponse, E2, R3> => {
          switch (result._tag) {
            case "InProgress":
              return Effect.succeed(inUse())
            case "Completed":
              return Effect.succeed(result.fingerprint === fingerprint ? replay(result.answer) : reused())
            case "Claimed":
              return claimed
          }
        })
      const answered =
        mode === "transaction"
          ? unit.atomically(
              decided(
                Effect.flatMap(
                  Effect.catchIf(
                    unit.atomically(
                      Effect.flatMap(app, (response) =>
                        response.status >= 400 ? Effect.fail(new Undo(response)) : Effect.succeed(response)
                      )
                    ),
                    (error): error is Undo => error instanceof Undo,
                    (undo) => Effect.succeed(undo.response)
                  ),
                  settle
                )
              )
            )
          : decided(
              Effect.flatMap(
                app.pipe(
                  Effect.onExit((exit) =>
                    exit._tag === "Failure" ? Effect.ignore(store.release(scope.value, key)) : Effect.void
                  )
                ),
                settle
              )
            )
      return yield* Effect.catchIf(
        answered,
        (error): error is StoreUnavailable => error instanceof StoreUnavailable,
        (error) =>
          Effect.succeed(
            errorAnswer(
              503,
              "service_unavailable",
              "The service's database is not answering; try again shortly.",
              {
                "retry-after": String(error.retryAfterSeconds)
              }
            )
          )
      )
    }) as HttpApp.Default<E, R | R2 | IdempotencyStore | UnitOfWork>
  }

/**
 * Delete the keys older than `retention` (default 24 hours) now and every
 * `every` (default 1 hour): fork it for the life of the server.
 */
export const pruneIdempotencyKeys = (
  options: { readonly retention?: Duration.DurationInput; readonly every?: Duration.DurationInput } = {}
) =>
  Effect.gen(function* () {
    const store = yield* IdempotencyStore
    const now = yield* DateTime.now
    const removed = yield* store.prune(
      DateTime.subtractDuration(now, Duration.decode(options.retention ?? "24 hours"))
    )
    if (removed > 0) yield* Effect.logInfo("idempotency keys pruned").pipe(Effect.annotateLogs({ removed }))
  }).pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("idempotency keys not pruned").pipe(Effect.annotateLogs({ error: error.message }))
    ),
    Effect.repeat(Schedule.spaced(options.every ?? "1 hour"))
  )
