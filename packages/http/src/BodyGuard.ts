/**
 * Hostile bodies stopped before any handler sees them, for every route of an
 * API that does not read its body itself:
 *
 * - a size limit (default 64 KB), checked on the declared length and again while
 *   reading, so a 100 MB body is never read in full: 413;
 * - text Postgres cannot store, a NUL (`\u0000`) or a lone UTF-16 surrogate, in
 *   any string or key of a JSON or form body: 400 naming where;
 * - nesting deeper than a limit (default 32): 400, before a decoder recurses.
 *
 * On Node the body is read here, once, and the handler reads that copy; past the
 * limit the 413 goes out at once and the rest is dropped as it arrives (up to 16
 * MB, then the connection is cut), so the client reads the 413 instead of a reset
 * connection, which is what the platform's own `MaxBodySize` gives. Routes that read their body themselves (a
 * multipart webhook) name their own limit with `rawBodies`: they are limited the
 * same way and not inspected; they check what they decode with `findUnsafeText`.
 */
import { IncomingMessage } from "node:http"
import { HttpMiddleware, HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Context, Effect, FiberRef } from "effect"
import { BodyRead } from "./BodyRead.js"
import { urlPath } from "./UrlPath.js"

export interface BodyGuardOptions {
  /** The largest body accepted, in bytes. Default 64 KB. */
  readonly maxBytes?: number | undefined
  /** The deepest nesting of arrays and objects accepted. Default 32. */
  readonly maxDepth?: number | undefined
  /**
   * Paths whose handler reads and decodes the body itself, with their limit in
   * bytes and the body's name in a 413 ("webhook body"); `undefined` for an
   * ordinary route. Their text is not inspected.
   */
  readonly rawBodies?:
    | ((path: string) => { readonly limit: number; readonly name: string } | undefined)
    | undefined
  /**
   * For a JSON-only API: a body sent without a content type, as `text/plain`
   * (what `fetch` labels a string body), or a JSON object labelled a form (what
   * `curl -d` does), is read as JSON, and an empty body as `{}`, so a POST with
   * nothing to say needs no body. Default false.
   */
  readonly jsonByDefault?: boolean | undefined
}

/** 64 KB: an onboarding or telemetry body is a few hundred bytes. */
export const DEFAULT_MAX_JSON_BYTES = 64 * 1024

const DEFAULT_MAX_DEPTH = 32

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why `text` cannot be stored as text, or undefined when it can. */
const textProblem = (text: string): string | undefined =>
  text.includes("\u0000")
    ? "a NUL character (\\u0000)"
    : loneSurrogate.test(text)
      ? "a lone UTF-16 surrogate (not valid Unicode)"
      : undefined

const pathOf = (parent: string, key: string | number) =>
  typeof key === "number"
    ? `${parent}[${key}]`
    : /^[A-Za-z_$][\w$]*$/.test(key)
      ? `${parent}.${key}`
      : `${parent}[${JSON.stringify(key)}]`

/**
 * The first string or key of `value` that Postgres cannot store as text, as a
 * sentence naming where (`$.labels[1] holds a NUL character (\u0000)`), or a
 * nesting deeper than `maxDepth`. Walks without recursion.
 */
export const findUnsafeText = (value: unknown, maxDepth = DEFAULT_MAX_DEPTH): string | undefined => {
  const stack: Array<{ readonly value: unknown; readonly path: string; readonly depth: number }> = [
    { value, path: "$", depth: 0 }
  ]
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop() as (typeof stack)[number]
    if (typeof current === "string") {
      const problem = textProblem(current)
      if (problem !== undefined) return `${path} holds ${problem}`
    } else if (typeof current === "object" && current !== null) {
      if (depth >= maxDepth) return `${path} is nested deeper than ${maxDepth} levels`
      const entries: ReadonlyArray<readonly [string | number, unknown]> = Array.isArray(current)
        ? current.map((item, index) => [index, item] as const)
        : Object.entries(current)
      for (const [key, item] of entries) {
        if (typeof key === "string") {
          const problem = textProblem(key)
          if (problem !== undefined) return `a key of ${path} holds ${problem}`
        }
        stack.push({ value: item, path: pathOf(path, key), depth: depth + 1 })
      }
    }
  }
  return undefined
}

/** The nesting of a JSON text, counted without parsing it; stops counting past `limit`. */
const jsonDepthExceeds = (text: string, limit: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92 /* \ */) i++
      else if (c === 34 /* " */) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--
  }
  return false
}

const json = (status: number, body: Record<string, unknown>) =>
  HttpServerResponse.unsafeJson(body, { status })

const tooLarge = (limit: number, what: string) =>
  json(413, { _tag: "PayloadTooLarge", message: `The ${what} is larger than ${limit} bytes.`, limit })

const badRequest = (message: string) => json(400, { _tag: "BadRequest", message })

const hasBody = (method: string) => method !== "GET" && method !== "HEAD" && method !== "OPTIONS"

type NodeRead =
  | { readonly _tag: "Read"; readonly bytes: Buffer }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Failed"; readonly cause: unknown }

/** How much of a refused body is read and dropped, so the client reads the 413, before the connection is cut. */
const DISCARD_CAP = 16 * 1024 * 1024

/**
 * Past the limit: the answer goes out now, while the rest of the body is read
 * and dropped, so the client (still sending) reads the 413 rather than a reset
 * connection. Past `DISCARD_CAP` the connection is cut.
 */
const discardRest = (source: IncomingMessage) => {
  let dropped = 0
  const onData = (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > DISCARD_CAP) {
      source.off("data", onData)
      source.socket.destroy()
    }
  }
  source.on("data", onData)
  source.once("end", () => source.off("data", onData))
}

/** Read a Node request's body up to `limit` bytes; past it, answer 413 (see `discardRest`). */
const readNodeBody = (source: IncomingMessage, limit: number) =>
  Effect.async<NodeRead>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const done = (result: NodeRead) => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onError)
      resume(Effect.succeed(result))
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        done({ _tag: "TooLarge" })
        discardRest(source)
      } else chunks.push(chunk)
    }
    const onEnd = () => done({ _tag: "Read", bytes: Buffer.concat(chunks, size) })
    const onError = (cause: unknown) => done({ _tag: "Failed", cause })
    source.on("data", onData)
    source.once("end", onEnd)
    source.once("error", onError)
    return Effect.sync(() => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onError)
    })
  })

const bodyProperties = new Set<string | symbol>([
  "text",
  "json",
  "arrayBuffer",
  "urlParamsBody",
  "stream",
  "multipart",
  "multipartStream"
])

/**
 * The request with its body replaced by what was read: every way of reading the
 * body (text, JSON, form, bytes, stream, multipart) reads this copy; the rest
 * (url, headers, remote address) is the original's.
 */
const withBody = (request: HttpServerRequest.HttpServerRequest, bytes: Buffer, contentType?: string) => {
  // Bytes, text and JSON straight from what was read; a web copy only for the rest (form, stream, multipart).
  const direct: Partial<Record<PropertyKey, unknown>> = {
    [BodyRead]: bytes,
    arrayBuffer: Effect.sync(() => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    text: Effect.sync(() => bytes.toString("utf8")),
    json: Effect.try({
      try: (): unknown => JSON.parse(bytes.toString("utf8")),
      catch: (cause) => new HttpServerError.RequestError({ request, reason: "Decode", cause })
    })
  }
  let copy: HttpServerRequest.HttpServerRequest | undefined
  const webCopy = () => {
    if (copy !== undefined) return copy
    const headers = new globalThis.Headers()
    for (const [name, value] of Object.entries(request.headers)) headers.set(name, value)
    if (contentType !== undefined) headers.set("content-type", contentType)
    copy = HttpServerRequest.fromWeb(
      new Request(`http://buffered.invalid${request.url}`, { method: request.method, headers, body: bytes })
    )
    return copy
  }
  const headers =
    contentType === undefined ? request.headers : { ...request.headers, "content-type": contentType }
  return new Proxy(request, {
    get: (target, property) => {
      if (property in direct) return direct[property]
      // A content type of our own is the request's headers too.
      if (property === "headers") return headers
      if (bodyProperties.has(property)) {
        const source = webCopy()
        return Reflect.get(source, property, source)
      }
      return Reflect.get(target, property, target)
    }
  })
}

/** Whether `text`, with `contentType`, holds something the database cannot store; the 400 if so. */
const inspect = (text: string, contentType: string, maxDepth: number) => {
  let parsed: unknown
  if (contentType.includes("json")) {
    if (jsonDepthExceeds(text, maxDepth))
      return badRequest(`The request body is nested deeper than ${maxDepth} levels.`)
    try {
      parsed = JSON.parse(text)
    } catch {
      return undefined // the handler answers a body that is not JSON
    }
  } else if (contentType.includes("x-www-form-urlencoded")) {
    parsed = Object.fromEntries(new URLSearchParams(text))
  } else {
    const problem = textProblem(text)
    return problem === undefined ? undefined : badRequest(`The request body holds ${problem}.`)
  }
  const problem = findUnsafeText(parsed, maxDepth)
  return problem === undefined
    ? undefined
    : badRequest(`The request body cannot be stored: ${problem}. Remove it and send the request again.`)
}

/**
 * `app` served `request` in place of the one it came with. The request's fiber
 * ends with its answer, so the replacement holds for the rest of it (the outer
 * middleware sees the same request, its body already read) and nothing needs
 * restoring: a plain context update, not `provideService`'s scoped one.
 */
const withRequest = <A, E, R>(
  app: Effect.Effect<A, E, R>,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<A, E, R> =>
  Effect.zipRight(
    FiberRef.update(FiberRef.currentContext, (context) =>
      Context.add(context, HttpServerRequest.HttpServerRequest, request)
    ),
    app
  )

/** The guard as a middleware: apply it to the app, inside `makeSecurityHeaders`. */
export const makeBodyGuard = (options: BodyGuardOptions = {}) => {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  const rawBodies = options.rawBodies ?? (() => undefined)
  return HttpMiddleware.make((app) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (!hasBody(request.method)) return yield* app
      const path = urlPath(request.url)
      const raw = rawBodies(path)
      const rawLimit = raw?.limit
      const limit = rawLimit ?? maxBytes
      const what = raw?.name ?? "request body"
      const declared = Number(request.headers["content-length"] ?? Number.NaN)
      if (Number.isFinite(declared) && declared > limit) return tooLarge(limit, what)

      let bytes: Buffer
      if (request.source instanceof IncomingMessage) {
        const read = yield* readNodeBody(request.source, limit)
        if (read._tag === "TooLarge") return tooLarge(limit, what)
        if (read._tag === "Failed") return badRequest("The request body could not be read.")
        bytes = read.bytes
      } else {
        // A web-standard request: its handler limits a raw body itself; others are read
        // here and measured (the runtime that made the request holds it already).
        if (rawLimit !== undefined) return yield* app
        const read = yield* Effect.either(request.arrayBuffer)
        if (read._tag === "Left") return badRequest("The request body could not be read.")
        bytes = Buffer.from(read.right)
        if (bytes.byteLength > limit) return tooLarge(limit, what)
      }
      const declaredType = (request.headers["content-type"] ?? "").toLowerCase()
      const asJson =
        options.jsonByDefault === true &&
        rawLimit === undefined &&
        (declaredType === "" ||
          declaredType.startsWith("text/plain") ||
          // curl -d labels whatever it sends as a form
          (declaredType.includes("x-www-form-urlencoded") &&
            bytes.toString("utf8").trimStart().startsWith("{")) ||
          (bytes.byteLength === 0 && declaredType.includes("json")))
      if (asJson && bytes.byteLength === 0) bytes = Buffer.from("{}")
      const served = withBody(request, bytes, asJson ? "application/json" : undefined)
      if (rawLimit === undefined) {
        const contentType = asJson ? "application/json" : declaredType
        const refused = inspect(bytes.toString("utf8"), contentType, maxDepth)
        if (refused !== undefined) return refused
      }
      return yield* withRequest(app, served)
    })
  )
}
