/**
 * What the plex.tv and Tautulli fakes share: a node:http server on loopback that
 * can be closed at any moment (open sockets and pending delays included), scripted
 * faults per route, and a log of the requests received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

/** What a fake answers instead of the real thing. */
export type FakeFault =
  /** Answer this HTTP status with the service's error body. */
  | { readonly kind: "status"; readonly status: number; readonly message?: string }
  /** Wait this long, then answer normally (longer than the client's timeout: a timeout). */
  | { readonly kind: "delay"; readonly ms: number }
  /** Close the connection without an answer. */
  | { readonly kind: "drop" }

export interface FaultOptions {
  /** How many matching requests get the fault. Default: every one until cleared. */
  readonly times?: number
  /** How many matching requests to let through first (fail the second page, say). Default 0. */
  readonly after?: number
}

export interface FakeRequest {
  readonly method: string
  /** Without the query string. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The route it matched (`"unknown"` when none). */
  readonly route: string
  /** The status answered, or `"dropped"`. */
  readonly status: number | "dropped"
}

interface FaultEntry<F> {
  readonly fault: F
  remaining: number
  skip: number
}

/** Scripted faults keyed by route, each used up after `times` requests. */
export class FaultTable<F> {
  private readonly entries = new Map<string, Array<FaultEntry<F>>>()

  add(route: string, fault: F, options: FaultOptions = {}): void {
    const list = this.entries.get(route) ?? []
    list.push({ fault, remaining: options.times ?? Number.POSITIVE_INFINITY, skip: options.after ?? 0 })
    this.entries.set(route, list)
  }

  clear(route?: string): void {
    if (route === undefined) this.entries.clear()
    else this.entries.delete(route)
  }

  /** The next fault for `route` (or for `"any"`), consuming one use. */
  take(route: string): F | undefined {
    for (const key of [route, "any"]) {
      const list = this.entries.get(key)
      const entry = list?.[0]
      if (list === undefined || entry === undefined) continue
      if (entry.skip > 0) {
        entry.skip -= 1
        return undefined
      }
      entry.remaining -= 1
      if (entry.remaining <= 0) list.shift()
      return entry.fault
    }
    return undefined
  }
}

export interface Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly url: URL
  /** Set by the handler for the request log. */
  route: string
}

export interface LoopbackServer {
  readonly url: string
  /** Wait `ms`, unless the server closes first (then never resolves: the socket is gone). */
  readonly sleep: (ms: number) => Promise<void>
  readonly close: () => Promise<void>
}

export interface LoopbackOptions {
  readonly host?: string
  /** Default 0: a free port. */
  readonly port?: number
}

const headersOf = (req: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value
  return headers
}

/** Start a server; `handle` answers and returns the status (or `"dropped"`). */
export const startLoopback = async (
  options: LoopbackOptions,
  handle: (exchange: Exchange) => Promise<number | "dropped">,
  log: (request: FakeRequest) => void
): Promise<LoopbackServer> => {
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let closed = false

  const server = createServer({ keepAlive: true }, (req, res) => {
    const url = new URL(req.url ?? "/", "http://fake")
    const exchange: Exchange = { req, res, url, route: "unknown" }
    const record = (status: number | "dropped") =>
      log({
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: headersOf(req),
        route: exchange.route,
        status
      })
    // Request bodies are not used by these APIs: drain them so keep-alive works.
    req.resume()
    handle(exchange).then(record, () => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "content-type": "text/plain" })
        res.end("fake server error")
      }
      record(500)
    })
  })
  server.keepAliveTimeout = 30_000
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve())
  })
  const address = server.address() as AddressInfo
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address

  return {
    url: `http://${host}:${address.port}`,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        if (closed) return
        const timer = setTimeout(() => {
          timers.delete(timer)
          resolve()
        }, ms)
        timers.add(timer)
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve()
        closed = true
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** Answer with a body; returns the status for the log. */
export const send = (res: ServerResponse, status: number, body: string, contentType: string): number => {
  if (res.writableEnded || res.destroyed) return status
  res.writeHead(status, {
    ...(body === "" ? {} : { "content-type": contentType }),
    "content-length": Buffer.byteLength(body)
  })
  res.end(body)
  return status
}

/** Drop the connection without answering. */
export const drop = (exchange: Exchange): "dropped" => {
  exchange.req.socket.destroy()
  return "dropped"
}
