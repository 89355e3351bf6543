/**
 * What the browser suites share: the real stack (`createFamilyScrobble` on
 * PGlite in memory behind `http.createServer`, talking to the Trakt sandbox),
 * headless Chromium (Debian's, or the one `@sparticuz/chromium` ships) through `playwright-core`, a watch on every page of
 * a browser context for console errors, page errors and CSP violations, and a
 * screenshot of every open page (in the OS temp directory) when a test fails.
 *
 * The tests run in Node, not in the browser: code evaluated in a page is passed
 * as a string, since the project's TypeScript has no DOM library.
 */
import { existsSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { FamilySettingsInput } from "@org/family-scrobble"
import { startTraktSandbox, type TraktSandbox } from "@org/trakt/sandbox"
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page
} from "playwright-core"
import { createFamilyScrobble, type FamilyScrobble } from "../../src/index.js"

/** Debian's chromium where it is installed; `CHROMIUM_PATH` points elsewhere. */
const systemChromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

export const ADMIN_TOKEN = "browser-admin-token-5f0c2a9e71"

const baseArgs = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

/**
 * Which browser runs the tests: Debian's `chromium` (or `CHROMIUM_PATH`) where it
 * is, otherwise the Chromium that `@sparticuz/chromium` ships inside its npm
 * package (unpacked into the temp directory on first use), so the README's test
 * command needs nothing but `pnpm install` on a machine without a browser.
 */
export const chromiumBinary = async (): Promise<{
  readonly path: string
  readonly args: ReadonlyArray<string>
}> => {
  if (existsSync(systemChromium)) return { path: systemChromium, args: baseArgs }
  if (process.env.CHROMIUM_PATH !== undefined)
    throw new Error(`CHROMIUM_PATH is ${process.env.CHROMIUM_PATH}, and there is no browser there.`)
  const { default: bundled } = await import("@sparticuz/chromium")
  // Not its own arguments: they run one process (closing a context ends the browser)
  // and turn web security off (the pages' CSP is under test).
  return { path: await bundled.executablePath(), args: baseArgs }
}

/** Launch headless chromium: these tests are never skipped. */
export const launchChromium = async (): Promise<Browser> => {
  const binary = await chromiumBinary()
  return chromium.launch({ executablePath: binary.path, args: [...binary.args], timeout: 60_000 })
}

export interface Stack {
  /** The server's real URL, e.g. `http://127.0.0.1:40123` (the facade's `publicUrl`). */
  readonly url: string
  readonly sandbox: TraktSandbox
  readonly family: FamilyScrobble
  /** `fetch` on the server; `admin: true` sends the admin token. */
  readonly request: (path: string, init?: RequestInit & { readonly admin?: boolean }) => Promise<Response>
  /** JSON of a 2xx answer; anything else throws with the body. */
  readonly json: <A>(path: string, init?: RequestInit & { readonly admin?: boolean }) => Promise<A>
  readonly close: () => Promise<void>
}

/**
 * The sandbox, then a server listening on 127.0.0.1 port 0, then the facade
 * with that server's URL as `publicUrl` (the server hands requests to it), started.
 */
export const startStack = async (
  options: { readonly settings?: FamilySettingsInput | undefined } = {}
): Promise<Stack> => {
  const sandbox = await startTraktSandbox({ host: "127.0.0.1" })
  let family: FamilyScrobble | undefined
  const server: Server = createServer((request, response) => {
    if (family === undefined) {
      response.statusCode = 503
      response.end()
      return
    }
    family.nodeHandler(request, response)
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("the server has no TCP address")
  const url = `http://127.0.0.1:${address.port}`
  family = createFamilyScrobble({
    publicUrl: url,
    database: { memory: true },
    trakt: {
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      apiUrl: sandbox.url,
      authUrl: sandbox.url,
      userAgent: "org-http-browser-tests/1.0",
      requestTimeout: "5 seconds"
    },
    adminToken: ADMIN_TOKEN,
    tokenEncryptionKey: Buffer.alloc(32, 1).toString("base64"),
    logLevel: "Warning",
    settings: options.settings
  })
  const facade = family
  await facade.start()

  const request = (path: string, init: RequestInit & { readonly admin?: boolean } = {}) => {
    const { admin, ...rest } = init
    const headers = new Headers(rest.headers)
    if (admin === true) headers.set("authorization", `Bearer ${ADMIN_TOKEN}`)
    return fetch(new URL(path, url), { ...rest, headers })
  }
  const json = async <A>(path: string, init: RequestInit & { readonly admin?: boolean } = {}) => {
    const response = await request(path, init)
    const text = await response.text()
    if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path} answered ${response.status}: ${text}`)
    return JSON.parse(text) as A
  }
  return {
    url,
    sandbox,
    family: facade,
    request,
    json,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await facade.stop()
      await sandbox.close()
    }
  }
}

/** Something a page reported that a test did not expect. */
export interface Problem {
  readonly kind: "console" | "pageerror" | "csp"
  readonly text: string
  /** The page's URL, and for a console message the resource it is about, when known. */
  readonly pageUrl: string
  readonly url?: string | undefined
}

const cspListener = `document.addEventListener("securitypolicyviolation", (event) => {
  const report = globalThis.__reportCspViolation;
  if (typeof report === "function") {
    report({
      directive: event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample
    });
  }
}, true);`

/** A browser context whose every page (popups included) is watched for problems. */
export interface Watched {
  readonly context: BrowserContext
  readonly page: Page
  readonly problems: Array<Problem>
  /** The problems, less the ones `allowed` matches. */
  readonly unexpected: (allowed?: (problem: Problem) => boolean) => ReadonlyArray<Problem>
}

export const openWatched = async (
  browser: Browser,
  options: BrowserContextOptions = {}
): Promise<Watched> => {
  const context = await browser.newContext(options)
  context.setDefaultTimeout(20_000)
  context.setDefaultNavigationTimeout(30_000)
  const problems: Array<Problem> = []
  await context.exposeBinding("__reportCspViolation", ({ page }, violation: Record<string, unknown>) => {
    problems.push({ kind: "csp", text: JSON.stringify(violation), pageUrl: page?.url() ?? "" })
  })
  await context.addInitScript({ content: cspListener })
  context.on("console", (message) => {
    if (message.type() !== "error") return
    problems.push({
      kind: "console",
      text: message.text(),
      pageUrl: message.page()?.url() ?? "",
      url: message.location().url
    })
  })
  context.on("weberror", (error) => {
    problems.push({ kind: "pageerror", text: String(error.error()), pageUrl: error.page()?.url() ?? "" })
  })
  const page = await context.newPage()
  return {
    context,
    page,
    problems,
    unexpected: (allowed = () => false) => problems.filter((problem) => !allowed(problem))
  }
}

/**
 * Run `body` in a watched context; when it fails, screenshot every open page
 * into the OS temp directory (named in the error) before closing the context.
 */
export const inWatchedContext = async (
  browser: Browser,
  name: string,
  options: BrowserContextOptions,
  body: (watched: Watched) => Promise<void>
): Promise<void> => {
  const watched = await openWatched(browser, options)
  try {
    await body(watched)
  } catch (error) {
    const shots: Array<string> = []
    for (const [index, page] of watched.context.pages().entries()) {
      const path = join(tmpdir(), `org-http-${name}-${process.pid}-${Date.now()}-${index}.png`)
      try {
        await page.screenshot({ path, fullPage: true, timeout: 5_000 })
        shots.push(`${path} (${page.url()})`)
      } catch {
        // a closed or crashed page has nothing to show
      }
    }
    if (shots.length > 0 && error instanceof Error) {
      error.message = `${error.message}\nscreenshots: ${shots.join(", ")}`
    }
    throw error
  } finally {
    await watched.context.close()
  }
}

/** Evaluate a JavaScript expression in the page (a string: the project's TypeScript has no DOM types). */
export const evaluate = <A>(page: Page, expression: string): Promise<A> => page.evaluate<A>(expression)

/** Whether the page scrolls sideways: its width beyond the viewport, in CSS pixels (0 when it fits). */
export const horizontalOverflow = (page: Page): Promise<number> =>
  evaluate<number>(
    page,
    "(() => { const s = document.scrollingElement; return Math.max(0, s.scrollWidth - s.clientWidth); })()"
  )

/**
 * Every form control of the page (hidden ones too) without an accessible name
 * from a label: a `<label>` (for= or wrapping), `aria-labelledby` or `aria-label`.
 */
export const unlabelledInputs = (page: Page): Promise<ReadonlyArray<string>> =>
  evaluate<ReadonlyArray<string>>(
    page,
    `Array.from(document.querySelectorAll("input, select, textarea"))
      .filter((el) => el.type !== "hidden")
      .filter((el) => {
        const byLabel = el.labels && Array.from(el.labels).some((l) => l.textContent.trim() !== "");
        const labelledBy = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
          .some((id) => { const t = document.getElementById(id); return t && t.textContent.trim() !== ""; });
        const ariaLabel = (el.getAttribute("aria-label") || "").trim() !== "";
        return !(byLabel || labelledBy || ariaLabel);
      })
      .map((el) => el.outerHTML)`
  )

/** The `id` (or tag) of the focused element. */
export const focusedId = (page: Page): Promise<string> =>
  evaluate<string>(page, "(() => { const a = document.activeElement; return a ? a.id || a.tagName : ''; })()")

/** Press Tab until `expression` (evaluated in the page) is true, at most `max` presses; fail otherwise. */
export const tabUntil = async (page: Page, what: string, expression: string, max = 25): Promise<void> => {
  const seen: Array<string> = []
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab")
    if (await evaluate<boolean>(page, expression)) return
    seen.push(await focusedId(page))
  }
  throw new Error(`Tab never reached ${what}; the focus went through: ${seen.join(" → ")}`)
}

/** Press Tab until the element with `id` has focus (at most `max` presses); fail otherwise. */
export const tabTo = (page: Page, id: string, max = 25): Promise<void> =>
  tabUntil(
    page,
    `#${id}`,
    `(document.activeElement && document.activeElement.id) === ${JSON.stringify(id)}`,
    max
  )

/** Poll `check` until true, at most `timeoutMs`; fail saying what was awaited. */
export const waitUntil = async (
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The onboarding answer of `POST /oauth/family/state`. */
export interface Onboarding {
  readonly groupId: string
  readonly webhookUrl: string
  readonly members: ReadonlyArray<{
    readonly id: string
    readonly label: string
    readonly status: string
    readonly authorizeUrl: string
  }>
}

export interface GroupDetails {
  readonly id: string
  readonly plexUsername: string
  readonly webhookUrl: string
  readonly members: ReadonlyArray<{
    readonly id: string
    readonly label: string
    readonly status: string
    readonly traktUsername: string | null
    readonly tokenExpiresAt: string | null
  }>
  readonly queue: { readonly queued: number; readonly retrying: number; readonly permanentFailure: number }
  readonly notifications: ReadonlyArray<{
    readonly id: string
    readonly kind: string
    readonly dismissedAt: string | null
  }>
}

let counter = 0
/** A Plex account name no other test of this process uses. */
export const freshName = (prefix: string) => `${prefix}-${++counter}-${process.pid}`
