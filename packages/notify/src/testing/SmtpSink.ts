/**
 * An SMTP sink: a real SMTP server (the `smtp-server` package) on loopback that
 * keeps what it receives and can be told to misbehave — reject at MAIL, RCPT or
 * DATA with any code, refuse AUTH, answer slowly, or drop the connection.
 *
 * Plain SMTP without STARTTLS, so point the mailer at it with `secure: false`.
 * AUTH PLAIN and LOGIN are offered (over the clear connection, as a test needs);
 * with `username` and `password` set they are required.
 */

import type { Socket } from "node:net"
import { Effect } from "effect"
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerAuthentication,
  type SMTPServerSession
} from "smtp-server"
import { parseMail } from "./mime.js"
import { makeFailureQueue, makeMessageWaiters } from "./sinkState.js"

/** The protocol steps a failure can hit. */
export type SmtpStage = "connect" | "auth" | "mail" | "rcpt" | "data"

export type SmtpSinkFailure =
  /** Answer the command with `code` (4xx transient, 5xx permanent). */
  | {
      readonly kind: "reject"
      readonly stage: "mail" | "rcpt" | "data"
      readonly code: number
      readonly message?: string
    }
  /** Refuse AUTH, right credentials or not. Default 535. */
  | { readonly kind: "authFail"; readonly code?: number; readonly message?: string }
  /** Answer after `delayMs` (at `connect`, the greeting comes late). */
  | { readonly kind: "slow"; readonly stage: SmtpStage; readonly delayMs: number }
  /** Close the connection instead of answering. */
  | { readonly kind: "drop"; readonly stage: SmtpStage }

export interface SmtpFailureOptions {
  /** How many times it applies. Default: until cleared. */
  readonly times?: number
}

export interface SmtpSinkOptions {
  /** Default `127.0.0.1`. */
  readonly host?: string
  /** Default 0: a free port. */
  readonly port?: number
  /** With `password`: the only credentials accepted, and AUTH is required. */
  readonly username?: string
  readonly password?: string
}

/** A message the sink accepted. */
export interface ReceivedMail {
  /** Envelope sender (MAIL FROM). */
  readonly envelopeFrom: string
  /** Envelope recipients (RCPT TO). */
  readonly envelopeTo: ReadonlyArray<string>
  /** The `From`, `To` and `Subject` headers, decoded. */
  readonly from: string
  readonly to: string
  readonly subject: string
  readonly messageId: string
  /** Every header, names in lower case, decoded. */
  readonly headers: Readonly<Record<string, string>>
  readonly text?: string
  readonly html?: string
  /** The message as received. */
  readonly raw: string
  /** The user that authenticated, if any. */
  readonly user?: string
  readonly at: number
}

/** One thing that happened, for assertions on attempts. */
export interface SmtpSinkEvent {
  readonly stage: SmtpStage
  readonly outcome: "ok" | "rejected" | "dropped" | "slow"
  readonly code?: number
  readonly at: number
}

export interface SmtpSink {
  readonly host: string
  readonly port: number
  /** `smtp://host:port`. */
  readonly url: string
  /** Accepted messages, in order. */
  readonly messages: ReadonlyArray<ReceivedMail>
  /** Every step of every session, in order. */
  readonly events: ReadonlyArray<SmtpSinkEvent>
  /** Client connections open right now. */
  readonly openConnections: number
  /** AUTH attempts: who, how, and whether it worked. The password is not kept. */
  readonly authAttempts: ReadonlyArray<{
    readonly username: string
    readonly method: string
    readonly ok: boolean
  }>
  /** Replace every failure with this one. */
  setFailure(failure: SmtpSinkFailure, options?: SmtpFailureOptions): void
  /** Add a failure; earlier ones are tried first. */
  addFailure(failure: SmtpSinkFailure, options?: SmtpFailureOptions): void
  clearFailures(): void
  /** Resolve once `count` messages have arrived. Default timeout 5 s. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReadonlyArray<ReceivedMail>>
  /** Forget messages, events and failures. */
  reset(): void
  close(): Promise<void>
}

const stageOf = (failure: SmtpSinkFailure): SmtpStage =>
  failure.kind === "authFail" ? "auth" : failure.stage

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code })

const defaultText = (code: number) => (code >= 500 ? "Requested action not taken" : "Try again later")

/** Start a sink; `close()` it when done. */
export const startSmtpSink = async (options: SmtpSinkOptions = {}): Promise<SmtpSink> => {
  const host = options.host ?? "127.0.0.1"
  const requireAuth = options.username !== undefined && options.password !== undefined
  const messages: Array<ReceivedMail> = []
  const events: Array<SmtpSinkEvent> = []
  const authAttempts: Array<{ username: string; method: string; ok: boolean }> = []
  const failures = makeFailureQueue<SmtpSinkFailure>()
  const waiters = makeMessageWaiters(messages)
  const sockets = new Map<number, Socket>()

  const record = (stage: SmtpStage, outcome: SmtpSinkEvent["outcome"], code?: number) =>
    events.push({ stage, outcome, ...(code === undefined ? {} : { code }), at: Date.now() })

  /** The next failure for a stage, counted as used. */
  const take = (stage: SmtpStage): SmtpSinkFailure | undefined =>
    failures.take((failure) => stageOf(failure) === stage)

  const drop = (session: SMTPServerSession) => {
    sockets.get(session.remotePort)?.destroy()
  }

  /**
   * Apply the stage's failure, if any: `proceed` runs once it is not a drop or
   * a rejection (after the delay of a slow one).
   */
  const gate = (
    stage: SmtpStage,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
    proceed: () => void
  ) => {
    const failure = take(stage)
    if (failure === undefined) return proceed()
    switch (failure.kind) {
      case "slow":
        record(stage, "slow")
        setTimeout(() => {
          // The client gave up meanwhile: the late answer goes nowhere.
          if (sockets.get(session.remotePort)?.destroyed === false) proceed()
        }, failure.delayMs)
        return
      case "drop":
        record(stage, "dropped")
        drop(session)
        return
      case "reject":
        record(stage, "rejected", failure.code)
        callback(smtpError(failure.code, failure.message ?? defaultText(failure.code)))
        return
      case "authFail": {
        const code = failure.code ?? 535
        record(stage, "rejected", code)
        callback(smtpError(code, failure.message ?? "Authentication credentials invalid"))
        return
      }
    }
  }

  const server = new SMTPServer({
    name: "smtp-sink.test",
    banner: "smtp sink ready",
    disabledCommands: ["STARTTLS"],
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    authOptional: !requireAuth,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 200,
    size: 10 * 1024 * 1024,
    onConnect(session, callback) {
      gate("connect", session, callback, () => {
        record("connect", "ok")
        callback()
      })
    },
    onAuth(auth: SMTPServerAuthentication, session, callback) {
      const username = auth.username ?? ""
      gate(
        "auth",
        session,
        (err) => {
          authAttempts.push({ username, method: auth.method, ok: false })
          callback(err)
        },
        () => {
          const ok = !requireAuth || (username === options.username && auth.password === options.password)
          authAttempts.push({ username, method: auth.method, ok })
          if (!ok) {
            record("auth", "rejected", 535)
            return callback(smtpError(535, "Authentication credentials invalid"))
          }
          record("auth", "ok")
          callback(null, { user: username })
        }
      )
    },
    onMailFrom(_address: SMTPServerAddress, session, callback) {
      gate("mail", session, callback, () => {
        record("mail", "ok")
        callback()
      })
    },
    onRcptTo(_address: SMTPServerAddress, session, callback) {
      gate("rcpt", session, callback, () => {
        record("rcpt", "ok")
        callback()
      })
    },
    onData(stream, session, callback) {
      const chunks: Array<Buffer> = []
      stream.on("data", (chunk: Buffer) => chunks.push(chunk))
      stream.on("end", () => {
        gate("data", session, callback, () => {
          const raw = Buffer.concat(chunks)
          const parsed = parseMail(raw)
          const mailFrom = session.envelope.mailFrom
          const id = `${messages.length + 1}.${Date.now().toString(36)}@smtp-sink.test`
          messages.push({
            envelopeFrom: mailFrom === false ? "" : mailFrom.address,
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            from: parsed.headers.from ?? "",
            to: parsed.headers.to ?? "",
            subject: parsed.headers.subject ?? "",
            messageId: parsed.headers["message-id"] ?? id,
            headers: parsed.headers,
            ...(parsed.text === undefined ? {} : { text: parsed.text }),
            ...(parsed.html === undefined ? {} : { html: parsed.html }),
            raw: raw.toString("utf8"),
            ...(typeof session.user === "string" ? { user: session.user } : {}),
            at: Date.now()
          })
          record("data", "ok")
          waiters.notify()
          callback(null, `Message queued as ${id}`)
        })
      })
    }
  })

  server.server.on("connection", (socket: Socket) => {
    const port = socket.remotePort
    if (port === undefined) return
    sockets.set(port, socket)
    socket.once("close", () => sockets.delete(port))
  })
  // A client hanging up mid-session is expected here, not a failure of the sink.
  server.on("error", () => {})

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject)
    server.listen(options.port ?? 0, host, () => {
      server.server.off("error", reject)
      resolve()
    })
  })
  const address = server.server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0

  return {
    host,
    port,
    url: `smtp://${host}:${port}`,
    get messages() {
      return [...messages]
    },
    get events() {
      return [...events]
    },
    get openConnections() {
      return sockets.size
    },
    get authAttempts() {
      return [...authAttempts]
    },
    setFailure(failure, opts = {}) {
      failures.set(failure, opts)
    },
    addFailure(failure, opts = {}) {
      failures.add(failure, opts)
    },
    clearFailures() {
      failures.clear()
    },
    waitForMessages(count, timeoutMs) {
      return waiters.waitFor(count, timeoutMs)
    },
    reset() {
      messages.length = 0
      events.length = 0
      authAttempts.length = 0
      failures.clear()
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Pooled clients keep idle connections open: end them now rather than after closeTimeout.
        for (const socket of sockets.values()) socket.destroy()
      })
    }
  }
}

/** A sink that lives as long as the enclosing scope. */
export const scopedSmtpSink = (options: SmtpSinkOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startSmtpSink(options)),
    (sink) => Effect.promise(() => sink.close())
  )
