/**
 * Sends Stripe events to a webhook endpoint the way Stripe does: the JSON
 * body signed in `Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.body">`,
 * retried with backoff on anything but a 2xx. Tests also use it to send what
 * Stripe never would: a forged signature, a stale timestamp, a body changed
 * after signing, duplicates and shuffled orders.
 */
import { createHmac } from "node:crypto"

export interface StripeEventJson {
  readonly id: string
  readonly object: "event"
  readonly type: string
  readonly created: number
  readonly data: { readonly object: Record<string, unknown> }
  readonly [key: string]: unknown
}

/** The `Stripe-Signature` header for `payload`, as Stripe computes it. */
export const signPayload = (
  payload: string,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000)
): string =>
  `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex")}`

export interface Delivery {
  readonly eventId: string
  readonly type: string
  readonly attempt: number
  /** The HTTP status, or 0 when the connection failed. */
  readonly status: number
}

export interface SendOptions {
  /** Sign with this timestamp (seconds) instead of now. */
  readonly timestamp?: number
  /** Send this header instead of the correct signature (`null`: none). */
  readonly signature?: string | null
  /** Change the body after signing it. */
  readonly tamper?: (payload: string) => string
}

export interface WebhookSenderOptions {
  readonly url: string
  readonly secret: string
  /** Attempts per event before giving up (Stripe keeps trying for 3 days). Default 5. */
  readonly attempts?: number
  /** First retry delay, doubled each time. Default 100 ms. */
  readonly baseDelayMs?: number
}

export class WebhookSender {
  readonly log: Array<Delivery> = []
  constructor(readonly options: WebhookSenderOptions) {}

  /** One signed POST of `event` (or of a raw payload); the status and body. */
  async send(
    event: StripeEventJson | string,
    options: SendOptions = {}
  ): Promise<{ readonly status: number; readonly body: string }> {
    const payload = typeof event === "string" ? event : JSON.stringify(event, null, 2)
    const signature =
      options.signature === undefined
        ? signPayload(payload, this.options.secret, options.timestamp)
        : options.signature
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
    }
    if (signature !== null) headers["stripe-signature"] = signature
    const response = await fetch(this.options.url, {
      method: "POST",
      headers,
      body: options.tamper === undefined ? payload : options.tamper(payload),
      signal: AbortSignal.timeout(30_000)
    })
    return { status: response.status, body: await response.text() }
  }

  /** Deliver `event` until a 2xx answers or the attempts run out; true if delivered. */
  async deliver(event: StripeEventJson): Promise<boolean> {
    const attempts = this.options.attempts ?? 5
    let delay = this.options.baseDelayMs ?? 100
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let status = 0
      try {
        status = (await this.send(event)).status
      } catch {
        status = 0
      }
      this.log.push({ eventId: event.id, type: event.type, attempt, status })
      if (status >= 200 && status < 300) return true
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, delay))
      delay *= 2
    }
    return false
  }
}
