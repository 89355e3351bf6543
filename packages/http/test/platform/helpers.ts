/** The platform API over the in-memory accounts domain, and request helpers. */
import { UserId, UserStore } from "@org/accounts"
import type { BillingSettingsInput } from "@org/billing"
import { BillingTest } from "@org/billing/testing"
import { IdempotencyStore, UnitOfWork } from "@org/core"
import { LedgerInMemory } from "@org/ledger/testing"
import { LibraryInMemory } from "@org/library/testing"
import { ResellersInMemory } from "@org/resellers/testing"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { makePlatformHandlers, type PlatformHttpOptions } from "../../src/platform/index.js"

export const BASE = "https://platform.example.test"

/** A JSON answer, read loosely: the tests assert its shape. */
// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field
export type Json = any

export interface PlatformSurface {
  readonly request: (path: string, init?: RequestInit) => Promise<Response>
  /** JSON in and out; `token` as the bearer. */
  readonly call: (
    method: string,
    path: string,
    options?: { readonly body?: unknown; readonly token?: string; readonly headers?: Record<string, string> }
  ) => Promise<{ readonly status: number; readonly body: Json; readonly headers: Headers }>
  /** Make a user admin outside the API, as a server's first start does. */
  readonly makeAdmin: (userId: string) => Promise<void>
  /** The services the API runs on (the in-memory payment provider's controls among them). */
  readonly context: Context.Context<Layer.Layer.Success<ReturnType<typeof BillingTest>>>
  readonly close: () => Promise<void>
}

export const platformSurface = async (
  options: PlatformHttpOptions & { readonly billing?: BillingSettingsInput } = {}
): Promise<PlatformSurface> => {
  const scope = Effect.runSync(Scope.make())
  const services = Layer.mergeAll(
    ResellersInMemory,
    LedgerInMemory,
    UnitOfWork.layerLocal,
    IdempotencyStore.layerMemory
  ).pipe(
    Layer.provideMerge(
      Layer.merge(
        BillingTest(options.billing === undefined ? {} : { billing: options.billing }),
        LibraryInMemory
      )
    )
  )
  const context = await Effect.runPromise(Layer.buildWithScope(services, scope))
  const handlers = await makePlatformHandlers(
    { rateLimits: false, logLevel: "None", ...options },
    Layer.succeedContext(context)
  )
  const request = (path: string, init?: RequestInit) => handlers.handler(new Request(`${BASE}${path}`, init))
  return {
    request,
    call: async (method, path, options = {}) => {
      const headers: Record<string, string> = {}
      if (options.body !== undefined) headers["content-type"] = "application/json"
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
      Object.assign(headers, options.headers ?? {})
      const response = await request(path, {
        method,
        headers,
        ...(options.body === undefined
          ? {}
          : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) })
      })
      const text = await response.text()
      return {
        status: response.status,
        body: text.length > 0 ? JSON.parse(text) : undefined,
        headers: response.headers
      }
    },
    context,
    makeAdmin: async (userId) => {
      await Effect.runPromise(Context.get(context, UserStore).setRole(UserId.make(userId), "admin"))
    },
    close: async () => {
      await handlers.dispose()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}

/** Sign up `email` and answer the session body. */
export const signUp = async (surface: PlatformSurface, email = "john@example.com", fullName = "John Doe") => {
  const { status, body } = await surface.call("POST", "/api/v1/auth/signup", {
    body: { email, password: "securePass123", full_name: fullName }
  })
  if (status !== 201) throw new Error(`signup answered ${status}: ${JSON.stringify(body)}`)
  return body as { access_token: string; refresh_token: string; user: { id: string } }
}
