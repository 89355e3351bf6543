/**
 * A fake Stripe API server on loopback that the real `stripe` client talks
 * to (`host`, `port`, `protocol`): customers, prices, Checkout Sessions in
 * subscription mode, subscriptions, invoices, Billing Portal sessions and
 * events, in the shapes of the API version the client pins. Form-encoded
 * requests, bearer keys, idempotency keys and Stripe's error bodies are
 * honoured; failures can be injected. Tests (and a person, at
 * `/checkout/<id>`) complete a checkout and move a subscription through its
 * life; each change emits the events Stripe would, delivered signed to the
 * webhook endpoint with retries.
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { type FormObject, field, object, parseForm } from "./FormBody.js"
import { type StripeEventJson, WebhookSender } from "./WebhookSender.js"

export interface FakePrice {
  readonly id: string
  /** Minor units (999 for 9.99). */
  readonly unitAmount: number
  readonly currency?: string
  readonly interval?: "month" | "year"
}

export interface FakeStripeOptions {
  /** The API key clients must send. Default `sk_test_fake`. */
  readonly secretKey?: string
  /** The webhook endpoint events are delivered to, and its signing secret. */
  readonly webhook?: { readonly url: string; readonly secret: string }
  /** Deliver each event as it happens. Default true when `webhook` is set. */
  readonly autoDeliver?: boolean
  /** Prices the fake does not know yet: asked here before answering `resource_missing`. */
  readonly resolvePrice?: (priceId: string) => Promise<FakePrice | undefined> | FakePrice | undefined
  readonly port?: number
  /** Delivery attempts per event. Default 5. */
  readonly deliveryAttempts?: number
}

type Json = Record<string, unknown>

interface InjectedFailure {
  remaining: number
  readonly status: number
  readonly path: RegExp | undefined
}

const API_VERSION = "2026-11-18.endive"

class StripeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json
  ) {
    super(String((body.error as Json | undefined)?.message ?? "error"))
  }
}

const missing = (kind: string, id: string, param = "id") =>
  new StripeHttpError(404, {
    error: {
      type: "invalid_request_error",
      code: "resource_missing",
      param,
      message: `No such ${kind}: '${id}'`
    }
  })

const invalid = (message: string, param?: string) =>
  new StripeHttpError(400, {
    error: { type: "invalid_request_error", message, ...(param === undefined ? {} : { param }) }
  })

const addMonths = (seconds: number, interval: "month" | "year") => {
  const date = new Date(seconds * 1000)
  if (interval === "year") date.setUTCFullYear(date.getUTCFullYear() + 1)
  else date.setUTCMonth(date.getUTCMonth() + 1)
  return Math.floor(date.getTime() / 1000)
}

export class FakeStripe {
  readonly secretKey: string
  readonly customers = new Map<string, Json>()
  readonly prices = new Map<string, Json>()
  readonly sessions = new Map<string, Json>()
  readonly subscriptions = new Map<string, Json>()
  readonly invoices = new Map<string, Json>()
  readonly portalSessions = new Map<string, Json>()
  /** Every event emitted, oldest first. */
  readonly events: Array<StripeEventJson> = []
  /** Requests received: method and path (no bodies, no keys). */
  readonly requests: Array<{
    readonly method: string
    readonly path: string
    readonly idempotencyKey?: string
  }> = []
  private webhook: WebhookSender | undefined
  private autoDeliver: boolean
  private deliveryQueue: Promise<void> = Promise.resolve()
  private readonly idempotency = new Map<
    string,
    { readonly fingerprint: string; readonly status: number; readonly body: Json }
  >()
  private readonly failures: Array<InjectedFailure> = []
  private counter = 0
  private clockOffsetSeconds = 0
  private server: Server | undefined
  url = ""

  private constructor(private readonly options: FakeStripeOptions) {
    this.secretKey = options.secretKey ?? "sk_test_fake"
    this.autoDeliver = options.autoDeliver ?? options.webhook !== undefined
    if (options.webhook !== undefined)
      this.webhook = new WebhookSender({ ...options.webhook, attempts: options.deliveryAttempts ?? 5 })
  }

  /** Start on 127.0.0.1 (a free port unless `port` is given). */
  static async start(options: FakeStripeOptions = {}): Promise<FakeStripe> {
    const fake = new FakeStripe(options)
    const server = createServer((req, res) => void fake.handle(req, res))
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve())
    })
    fake.server = server
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return fake
  }

  /** Options for `new Stripe(key, …)` that point the real client here. */
  get clientOptions() {
    const url = new URL(this.url)
    return { host: url.hostname, port: Number(url.port), protocol: "http" as const }
  }

  /** Send events to `url`, signed with `secret`. */
  setWebhook(url: string, secret: string, autoDeliver = true) {
    this.webhook = new WebhookSender({ url, secret, attempts: this.options.deliveryAttempts ?? 5 })
    this.autoDeliver = autoDeliver
  }

  get sender(): WebhookSender | undefined {
    return this.webhook
  }

  /** The fake's time, seconds: now plus whatever the tests advanced. */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetSeconds
  }

  advanceClock(seconds: number) {
    this.clockOffsetSeconds += seconds
  }

  addPrice(price: FakePrice) {
    this.prices.set(price.id, {
      id: price.id,
      object: "price",
      active: true,
      currency: price.currency ?? "usd",
      unit_amount: price.unitAmount,
      type: "recurring",
      recurring: { interval: price.interval ?? "month", interval_count: 1, usage_type: "licensed" },
      product: `prod_${price.id}`,
      livemode: false,
      created: this.now()
    })
  }

  /** The next `count` API requests (matching `path`, if given) answer `status`. */
  failNext(count: number, status = 500, path?: RegExp) {
    this.failures.push({ remaining: count, status, path })
  }

  /** Resolves once every queued delivery finished (delivered or given up). */
  async flush(): Promise<void> {
    let last: Promise<void> | undefined
    while (last !== this.deliveryQueue) {
      last = this.deliveryQueue
      await last
    }
  }

  async close(): Promise<void> {
    await this.flush()
    await new Promise<void>((resolve) => {
      if (this.server === undefined) return resolve()
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private id(prefix: string) {
    this.counter += 1
    return `${prefix}_${randomBytes(6).toString("hex")}${this.counter.toString(36).padStart(4, "0")}`
  }

  private emit(type: string, data: Json, previous?: Json): StripeEventJson {
    const event: StripeEventJson = {
      id: this.id("evt"),
      object: "event",
      api_version: API_VERSION,
      created: this.now(),
      data: {
        object: structuredClone(data),
        ...(previous === undefined ? {} : { previous_attributes: previous })
      },
      livemode: false,
      pending_webhooks: this.webhook === undefined ? 0 : 1,
      request: { id: null, idempotency_key: null },
      type
    }
    this.events.push(event)
    if (this.autoDeliver && this.webhook !== undefined) {
      const sender = this.webhook
      this.deliveryQueue = this.deliveryQueue.then(async () => {
        await sender.deliver(event)
      })
    }
    return event
  }

  // ---- what a customer does at Stripe, and what time does ----

  /**
   * The customer pays at the session's checkout page: a subscription starts
   * (trialing when the session grants a trial), with its first invoice.
   * Emits `customer.subscription.created`, `invoice.paid` and
   * `checkout.session.completed`.
   */
  completeCheckout(sessionId: string): Json {
    const session = this.sessions.get(sessionId)
    if (session === undefined) throw missing("checkout.session", sessionId)
    if (session.status !== "open") throw invalid(`This Checkout Session is ${String(session.status)}.`)
    const price = this.prices.get(String(session._price)) as Json
    const recurring = price.recurring as Json
    const interval = recurring.interval as "month" | "year"
    const now = this.now()
    const trialDays = session._trial_days as number | undefined
    const trialEnd = trialDays === undefined ? null : now + trialDays * 86_400
    const periodEnd = trialEnd ?? addMonths(now, interval)
    const subscriptionId = this.id("sub")
    const subscription: Json = {
      id: subscriptionId,
      object: "subscription",
      customer: session.customer,
      status: trialEnd === null ? "active" : "trialing",
      created: now,
      start_date: now,
      billing_cycle_anchor: periodEnd,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      ended_at: null,
      trial_start: trialEnd === null ? null : now,
      trial_end: trialEnd,
      currency: price.currency,
      collection_method: "charge_automatically",
      metadata: structuredClone(session._subscription_metadata as Json),
      items: {
        object: "list",
        data: [
          {
            id: this.id("si"),
            object: "subscription_item",
            price: structuredClone(price),
            quantity: 1,
            subscription: subscriptionId,
            current_period_start: now,
            current_period_end: periodEnd,
            created: now
          }
        ],
        has_more: false,
        total_count: 1,
        url: `/v1/subscription_items?subscription=${subscriptionId}`
      },
      latest_invoice: null,
      livemode: false
    }
    this.subscriptions.set(subscriptionId, subscription)
    const invoice = this.invoice(
      subscription,
      now,
      periodEnd,
      trialEnd === null ? (price.unit_amount as number) : 0,
      "subscription_create"
    )
    invoice.status = "paid"
    invoice.amount_paid = invoice.amount_due
    invoice.amount_remaining = 0
    subscription.latest_invoice = invoice.id
    Object.assign(session, {
      status: "complete",
      payment_status: trialEnd === null ? "paid" : "no_payment_required",
      subscription: subscriptionId
    })
    this.emit("customer.subscription.created", subscription)
    this.emit("invoice.paid", invoice)
    this.emit("checkout.session.completed", this.publicSession(session))
    return subscription
  }

  /**
   * The period ends and the next one is billed (at `at`, seconds; default the
   * current period end): `invoice.paid` or `invoice.payment_failed` (the
   * subscription goes `past_due`), then `customer.subscription.updated`.
   */
  renew(subscriptionId: string, outcome: "paid" | "failed", at?: number): Json {
    const subscription = this.subscription(subscriptionId)
    const item = this.item(subscription)
    const start = at ?? (item.current_period_end as number)
    const interval = ((item.price as Json).recurring as Json).interval as "month" | "year"
    const end = addMonths(start, interval)
    const previous = {
      status: subscription.status,
      items: structuredClone(subscription.items)
    }
    Object.assign(item, { current_period_start: start, current_period_end: end })
    subscription.status = outcome === "paid" ? "active" : "past_due"
    const invoice = this.invoice(
      subscription,
      start,
      end,
      (item.price as Json).unit_amount as number,
      "subscription_cycle"
    )
    subscription.latest_invoice = invoice.id
    if (outcome === "paid") {
      Object.assign(invoice, { status: "paid", amount_paid: invoice.amount_due, amount_remaining: 0 })
      this.emit("invoice.paid", invoice)
    } else {
      Object.assign(invoice, { status: "open", attempt_count: 1, attempted: true })
      this.emit("invoice.payment_failed", invoice)
    }
    this.emit("customer.subscription.updated", subscription, previous)
    return subscription
  }

  /** A retry of the subscription's open invoice succeeds: `invoice.paid`, then `…updated` (active). */
  payOpenInvoice(subscriptionId: string): Json {
    const subscription = this.subscription(subscriptionId)
    const invoice = this.invoices.get(String(subscription.latest_invoice))
    if (invoice === undefined || invoice.status !== "open")
      throw invalid("This subscription has no open invoice.")
    Object.assign(invoice, { status: "paid", amount_paid: invoice.amount_due, amount_remaining: 0 })
    const previous = { status: subscription.status }
    subscription.status = "active"
    this.emit("invoice.paid", invoice)
    this.emit("customer.subscription.updated", subscription, previous)
    return subscription
  }

  /** The subscription ends now: `customer.subscription.deleted`. */
  endSubscription(subscriptionId: string): Json {
    const subscription = this.subscription(subscriptionId)
    Object.assign(subscription, {
      status: "canceled",
      ended_at: this.now(),
      canceled_at: subscription.canceled_at ?? this.now()
    })
    this.emit("customer.subscription.deleted", subscription)
    return subscription
  }

  private subscription(id: string): Json {
    const subscription = this.subscriptions.get(id)
    if (subscription === undefined) throw missing("subscription", id)
    return subscription
  }

  private item(subscription: Json): Json {
    return ((subscription.items as Json).data as Array<Json>)[0] as Json
  }

  private invoice(subscription: Json, start: number, end: number, amount: number, reason: string): Json {
    const id = this.id("in")
    const price = this.item(subscription).price as Json
    const invoice: Json = {
      id,
      object: "invoice",
      customer: subscription.customer,
      currency: subscription.currency,
      status: "draft",
      billing_reason: reason,
      amount_due: amount,
      amount_paid: 0,
      amount_remaining: amount,
      attempt_count: 0,
      attempted: false,
      created: this.now(),
      period_start: start,
      period_end: start,
      parent: {
        type: "subscription_details",
        quote_details: null,
        subscription_details: {
          subscription: subscription.id,
          metadata: structuredClone(subscription.metadata)
        }
      },
      lines: {
        object: "list",
        data: [
          {
            id: this.id("il"),
            object: "line_item",
            amount,
            currency: subscription.currency,
            period: { start, end },
            pricing: { type: "price_details", price_details: { price: price.id, product: price.product } },
            quantity: 1
          }
        ],
        has_more: false,
        total_count: 1
      },
      livemode: false
    }
    this.invoices.set(id, invoice)
    return invoice
  }

  private publicSession(session: Json): Json {
    return Object.fromEntries(Object.entries(session).filter(([key]) => !key.startsWith("_")))
  }

  // ---- the API ----

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString("utf8")
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const send = (status: number, payload: Json, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "request-id": this.id("req"), ...headers })
      res.end(JSON.stringify(payload))
    }
    try {
      if (url.pathname.startsWith("/checkout/")) return await this.checkoutPage(req, res, url, body)
      if (url.pathname.startsWith("/_fake/"))
        return send(200, await this.control(req.method ?? "GET", url, body))
      if (!url.pathname.startsWith("/v1/"))
        throw new StripeHttpError(404, {
          error: {
            type: "invalid_request_error",
            message: `Unrecognized request URL (${req.method}: ${url.pathname}).`
          }
        })
      const idempotencyKey = req.headers["idempotency-key"] as string | undefined
      this.requests.push({
        method: req.method ?? "GET",
        path: url.pathname,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey })
      })
      if (req.headers.authorization !== `Bearer ${this.secretKey}`)
        throw new StripeHttpError(401, {
          error: { type: "invalid_request_error", message: "Invalid API Key provided: sk_****" }
        })
      const failure = this.failures.find(
        (f) => f.remaining > 0 && (f.path === undefined || f.path.test(url.pathname))
      )
      if (failure !== undefined) {
        failure.remaining -= 1
        throw new StripeHttpError(failure.status, {
          error: {
            type: failure.status === 429 ? "invalid_request_error" : "api_error",
            ...(failure.status === 429 ? { code: "rate_limit" } : {}),
            message: failure.status === 429 ? "Too many requests." : "An unknown error occurred."
          }
        })
      }
      const form = parseForm(body)
      const method = req.method ?? "GET"
      if (method === "POST" && idempotencyKey !== undefined) {
        const fingerprint = `${url.pathname}\n${body}`
        const stored = this.idempotency.get(idempotencyKey)
        if (stored !== undefined) {
          if (stored.fingerprint !== fingerprint)
            throw new StripeHttpError(400, {
              error: {
                type: "idempotency_error",
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`
              }
            })
          return send(stored.status, stored.body, { "idempotent-replayed": "true" })
        }
        const result = await this.route(method, url, form)
        this.idempotency.set(idempotencyKey, { fingerprint, status: 200, body: result })
        return send(200, result)
      }
      return send(200, await this.route(method, url, form))
    } catch (error) {
      if (error instanceof StripeHttpError) return send(error.status, error.body)
      return send(500, { error: { type: "api_error", message: String(error) } })
    }
  }

  private async findPrice(priceId: string): Promise<Json> {
    const known = this.prices.get(priceId)
    if (known !== undefined) return known
    const resolved = await this.options.resolvePrice?.(priceId)
    if (resolved === undefined) throw missing("price", priceId, "line_items[0][price]")
    this.addPrice({ ...resolved, id: priceId })
    return this.prices.get(priceId) as Json
  }

  private async route(method: string, url: URL, form: FormObject): Promise<Json> {
    const parts = url.pathname.split("/").filter((p) => p !== "")
    const key = `${method} /${parts.slice(0, 3).join("/")}`
    const id = (i: number) => decodeURIComponent(parts[i] ?? "")
    if (method === "POST" && url.pathname === "/v1/customers") {
      const customer: Json = {
        id: this.id("cus"),
        object: "customer",
        email: field(form, "email") ?? null,
        name: field(form, "name") ?? null,
        metadata: object(form, "metadata"),
        created: this.now(),
        livemode: false
      }
      this.customers.set(customer.id as string, customer)
      return customer
    }
    if (method === "GET" && parts[1] === "customers" && parts.length === 3) {
      const customer = this.customers.get(id(2))
      if (customer === undefined) throw missing("customer", id(2))
      return customer
    }
    if (method === "GET" && parts[1] === "prices" && parts.length === 3) return this.findPrice(id(2))
    if (method === "POST" && url.pathname === "/v1/checkout/sessions") return this.createSession(form)
    if (method === "GET" && parts[1] === "checkout" && parts[2] === "sessions" && parts.length === 4) {
      const session = this.sessions.get(id(3))
      if (session === undefined) throw missing("checkout.session", id(3))
      return this.publicSession(session)
    }
    if (parts[1] === "subscriptions" && parts.length === 3) {
      const subscription = this.subscription(id(2))
      if (method === "GET") return subscription
      if (method === "POST") {
        const previous: Json = {}
        const cancel = field(form, "cancel_at_period_end")
        if (cancel !== undefined) {
          if (subscription.status === "canceled")
            throw invalid("A canceled subscription can only update its cancellation_details and metadata.")
          previous.cancel_at_period_end = subscription.cancel_at_period_end
          subscription.cancel_at_period_end = cancel === "true"
          subscription.cancel_at = cancel === "true" ? this.item(subscription).current_period_end : null
          subscription.canceled_at = cancel === "true" ? this.now() : null
        }
        const metadata = object(form, "metadata")
        if (Object.keys(metadata).length > 0)
          subscription.metadata = { ...(subscription.metadata as Json), ...metadata }
        this.emit("customer.subscription.updated", subscription, previous)
        return subscription
      }
      if (method === "DELETE") return this.endSubscription(id(2))
    }
    if (method === "POST" && url.pathname === "/v1/billing_portal/sessions") {
      const customer = field(form, "customer")
      if (customer === undefined) throw invalid("Missing required param: customer.", "customer")
      if (!this.customers.has(customer)) throw missing("customer", customer, "customer")
      const session: Json = {
        id: this.id("bps"),
        object: "billing_portal.session",
        customer,
        return_url: field(form, "return_url") ?? null,
        url: `${this.url}/billing/${this.id("p_session")}`,
        created: this.now(),
        livemode: false
      }
      this.portalSessions.set(session.id as string, session)
      return session
    }
    if (method === "GET" && parts[1] === "events" && parts.length === 3) {
      const event = this.events.find((e) => e.id === id(2))
      if (event === undefined) throw missing("event", id(2))
      return event as unknown as Json
    }
    throw new StripeHttpError(404, {
      error: { type: "invalid_request_error", message: `Unrecognized request URL (${key}).` }
    })
  }

  private async createSession(form: FormObject): Promise<Json> {
    const mode = field(form, "mode")
    if (mode !== "subscription") throw invalid("This fake supports mode=subscription only.", "mode")
    const priceId = field(form, "line_items", 0, "price")
    if (priceId === undefined) throw invalid("Missing required param: line_items[0][price].", "line_items")
    const price = await this.findPrice(priceId)
    for (const name of ["success_url", "cancel_url"]) {
      const value = field(form, name)
      if (value !== undefined && !URL.canParse(value)) throw invalid(`Not a valid URL`, name)
    }
    const success = field(form, "success_url")
    if (success === undefined) throw invalid("Missing required param: success_url.", "success_url")
    const customer = field(form, "customer")
    if (customer !== undefined && !this.customers.has(customer))
      throw missing("customer", customer, "customer")
    const trial = field(form, "subscription_data", "trial_period_days")
    if (trial !== undefined && (!/^[0-9]+$/.test(trial) || Number(trial) < 1 || Number(trial) > 730))
      throw invalid("trial_period_days must be between 1 and 730.", "subscription_data[trial_period_days]")
    const sessionId = this.id("cs_test")
    const now = this.now()
    const session: Json = {
      id: sessionId,
      object: "checkout.session",
      mode: "subscription",
      status: "open",
      payment_status: "unpaid",
      customer: customer ?? null,
      customer_email: field(form, "customer_email") ?? null,
      client_reference_id: field(form, "client_reference_id") ?? null,
      success_url: success,
      cancel_url: field(form, "cancel_url") ?? null,
      url: `${this.url}/checkout/${sessionId}`,
      subscription: null,
      metadata: object(form, "metadata"),
      currency: price.currency,
      amount_total: price.unit_amount,
      created: now,
      expires_at: now + 86_400,
      livemode: false,
      _price: priceId,
      _trial_days: trial === undefined ? undefined : Number(trial),
      _subscription_metadata: object(form, "subscription_data", "metadata")
    }
    this.sessions.set(sessionId, session)
    return this.publicSession(session)
  }

  /** The page a customer is sent to: one button that pays. */
  private async checkoutPage(req: IncomingMessage, res: ServerResponse, url: URL, _body: string) {
    const sessionId = decodeURIComponent(url.pathname.slice("/checkout/".length))
    const session = this.sessions.get(sessionId)
    if (session === undefined) {
      res.writeHead(404, { "content-type": "text/plain" })
      return res.end("No such checkout session")
    }
    if (req.method === "POST") {
      if (session.status === "open") this.completeCheckout(sessionId)
      res.writeHead(303, {
        location: String(session.success_url).replace("{CHECKOUT_SESSION_ID}", sessionId)
      })
      return res.end()
    }
    const price = this.prices.get(String(session._price)) as Json
    const amount = ((price.unit_amount as number) / 100).toFixed(2)
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Stripe Checkout</title></head>
<body><main><h1>Fake Stripe Checkout</h1><p>${String(price.id).replace(/[<>&"]/g, "")}: ${amount} ${String(price.currency).toUpperCase()} a ${String((price.recurring as Json).interval)}</p>
<form method="post"><button type="submit">Pay</button></form></main></body></html>`)
  }

  /** JSON controls for tests that drive the fake over HTTP. */
  private async control(method: string, url: URL, body: string): Promise<Json> {
    const input = (body === "" ? {} : JSON.parse(body)) as Json
    const parts = url.pathname.split("/").filter((p) => p !== "")
    if (method === "GET" && url.pathname === "/_fake/events") return { data: this.events }
    if (method === "POST" && parts[1] === "checkout" && parts[4] === "complete")
      return this.completeCheckout(decodeURIComponent(parts[3] ?? ""))
    if (method === "POST" && parts[1] === "subscriptions" && parts.length === 4) {
      const id = decodeURIComponent(parts[2] ?? "")
      if (parts[3] === "renew")
        return this.renew(
          id,
          input.outcome === "failed" ? "failed" : "paid",
          typeof input.at === "number" ? input.at : undefined
        )
      if (parts[3] === "pay") return this.payOpenInvoice(id)
      if (parts[3] === "end") return this.endSubscription(id)
    }
    if (method === "POST" && url.pathname === "/_fake/prices") {
      this.addPrice({
        id: String(input.id),
        unitAmount: Number(input.unit_amount),
        currency: typeof input.currency === "string" ? input.currency : "usd",
        interval: input.interval === "year" ? "year" : "month"
      })
      return this.prices.get(String(input.id)) as Json
    }
    if (method === "POST" && url.pathname === "/_fake/flush") {
      await this.flush()
      return { flushed: true }
    }
    throw new StripeHttpError(404, {
      error: { type: "invalid_request_error", message: "Unknown fake control" }
    })
  }
}
