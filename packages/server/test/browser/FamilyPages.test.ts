/**
 * The family-scrobble pages in headless chromium against the real stack:
 * `createFamilyScrobble` on PGlite in memory, served by `http.createServer`,
 * talking to the Trakt sandbox, whose authorize page is a real login form.
 *
 * 1. The family wizard end to end: three members each authorize in their own
 *    popup, the wizard sees it live, the webhook URL it shows is the API's, and
 *    a real Plex webhook posted to it scrobbles for all three Trakt accounts.
 * 2. The admin panel: token check, groups table, a group's members, queue and
 *    notifications; adding and removing a member; dismissing a notification.
 * 3. At 360 × 740: no sideways scroll, every input labelled, the wizard done by
 *    keyboard only. Every page of every test: no console error, no CSP violation.
 * 4. Onboarding by invite: the admin makes an invite on the admin page, its link
 *    fills in the code on the family page, the group is created, and the same
 *    code is then refused on the field it came in.
 *
 * Chromium is required (`/usr/bin/chromium`, or `CHROMIUM_PATH`): without it
 * the suite fails and says so. Screenshots of a failure go to the OS temp directory.
 */
import { encodeMultipartWebhook, samplePayloads } from "@org/plex/testing"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ADMIN_TOKEN,
  evaluate,
  freshName,
  type GroupDetails,
  horizontalOverflow,
  inWatchedContext,
  launchChromium,
  type Onboarding,
  type Problem,
  type Stack,
  startStack,
  tabTo,
  tabUntil,
  unlabelledInputs,
  waitUntil
} from "./harness.js"

let stack: Stack | undefined
let browser: Browser | undefined

beforeAll(async () => {
  // Chromium first: when it is missing, say so before spending time on the database.
  browser = await launchChromium()
  stack = await startStack()
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await stack?.close()
}, 60_000)

const ready = () => {
  if (stack === undefined || browser === undefined) throw new Error("the stack or the browser did not start")
  return { stack, browser }
}

const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }

/**
 * The sandbox stands in for Trakt's site and serves no favicon: chromium's
 * report of that 404 is about the sandbox, not about these pages.
 */
const sandboxFavicon = (s: Stack) => (p: Problem) =>
  p.kind === "console" && p.url === `${s.sandbox.url}/favicon.ico` && /status of 404/.test(p.text)

/**
 * Do `action`, which closes `popup` (its script calls `window.close()`), and
 * wait for the close; the action may itself report that its page went away.
 */
const closedBy = async (popup: Page, action: () => Promise<void>) => {
  const closed = popup.waitForEvent("close", { timeout: 20_000 })
  await action().catch((error: unknown) => {
    if (!/has been closed/.test(String(error))) throw error
  })
  await closed
  expect(popup.isClosed()).toBe(true)
}

/** Fail with the problems the pages reported, if any. */
const expectNoProblems = (problems: ReadonlyArray<Problem>) => {
  expect(problems.map((p) => `${p.kind} on ${p.pageUrl}: ${p.text}${p.url ? ` (${p.url})` : ""}`)).toEqual([])
}

const statusOf = (page: Page, memberId: string) =>
  page.locator(`#member-status-list li[data-member-id="${memberId}"]`)

/** The group of `plexUsername`, as the admin API shows it. */
const groupOf = async (s: Stack, plexUsername: string): Promise<GroupDetails> => {
  const { groups } = await s.json<{ groups: ReadonlyArray<{ id: string; plexUsername: string }> }>(
    "/admin/api/family-groups",
    { admin: true }
  )
  const summary = groups.find((g) => g.plexUsername === plexUsername)
  if (summary === undefined) throw new Error(`no group of ${plexUsername}`)
  return s.json<GroupDetails>(`/admin/api/family-groups/${summary.id}`, { admin: true })
}

/** Sign in on the sandbox's authorize page in `popup` as `traktUsername`; wait for our callback page. */
const signInToTrakt = async (s: Stack, popup: Page, traktUsername: string) => {
  await popup.waitForURL((url) => url.origin === new URL(s.sandbox.url).origin, { timeout: 20_000 })
  expect(new URL(popup.url()).pathname).toBe("/oauth/authorize")
  await popup.getByLabel("Username").fill(traktUsername)
  await popup.getByRole("button", { name: "Sign in and authorize" }).click()
  await popup.waitForURL((url) => url.href.startsWith(`${s.url}/authorize/family/member?`), {
    timeout: 30_000
  })
}

describe("the family wizard, end to end", () => {
  it("creates a family of three, authorizes each member in a popup, and the webhook it shows scrobbles for all three", {
    timeout: 240_000
  }, async () => {
    const { stack: s, browser: b } = ready()
    const plexUsername = freshName("wizard-plex")
    const labels = ["Mum", "Dad", "Sam"]
    const traktUsers = labels.map((label) => `${label.toLowerCase()}-trakt-${process.pid}`)
    const origin = new URL(s.url).origin

    await inWatchedContext(
      b,
      "wizard",
      { permissions: ["clipboard-read", "clipboard-write"] },
      async ({ context, page, unexpected }) => {
        // The landing page, then the family choice.
        const landing = await page.goto(`${s.url}/`)
        expect(landing?.status()).toBe(200)
        expect(landing?.headers()["content-security-policy"]).toContain("default-src 'self'")
        await page.locator("#choose-family").click()
        await page.waitForURL(`${s.url}/family`)

        // Step 1: the Plex username and three member labels (the third added).
        await page.locator("#step-details").waitFor({ state: "visible" })
        expect(await page.locator("#group-form").getAttribute("data-mode")).toBe("family")
        await page.locator("#plex-username").fill(plexUsername)
        await page.locator("#member-label-1").fill(labels[0] ?? "")
        await page.locator("#member-label-2").fill(labels[1] ?? "")
        await page.locator("#add-member").click()
        await page.locator("#member-label-3").waitFor({ state: "visible" })
        await page.locator("#member-label-3").fill(labels[2] ?? "")
        await page.locator("#create-group").click()

        // Step 2: three pending members, in the order given.
        await page.locator("#step-authorize").waitFor({ state: "visible" })
        expect(await page.locator("#step-details").isHidden()).toBe(true)
        expect(await page.locator('#steps li[aria-current="step"]').getAttribute("data-step")).toBe("2")
        const rows = page.locator("#member-status-list li[data-member-id]")
        await waitUntil("three member rows", async () => (await rows.count()) === 3, 20_000)
        const memberIds: Array<string> = []
        for (let i = 0; i < 3; i++) {
          const row = rows.nth(i)
          expect(await row.locator(".member-name").textContent()).toBe(labels[i])
          expect(await row.getAttribute("data-status")).toBe("pending")
          expect(await row.locator(".status").getAttribute("data-status")).toBe("pending")
          expect(await row.locator(".authorize").isVisible()).toBe(true)
          memberIds.push((await row.getAttribute("data-member-id")) ?? "")
        }
        expect(await page.locator("#continue").isDisabled()).toBe(true)

        // The API agrees: the group exists with those three pending members.
        const created = await groupOf(s, plexUsername)
        expect(created.members.map((m) => [m.id, m.label, m.status])).toEqual(
          memberIds.map((id, i) => [id, labels[i], "pending"])
        )

        // A marker on the wizard's window: still there at the end means it was never reloaded.
        await evaluate(page, "window.__noReload = 'still here'")
        // And a record of what the popups post to it.
        await evaluate(
          page,
          "(() => { window.__messages = []; window.addEventListener('message', (e) => window.__messages.push({ origin: e.origin, data: e.data })); })()"
        )

        for (const [i, memberId] of memberIds.entries()) {
          const label = labels[i] ?? ""
          const traktUsername = traktUsers[i] ?? ""
          const row = statusOf(page, memberId)
          const [popup] = await Promise.all([
            page.waitForEvent("popup", { timeout: 20_000 }),
            row.locator(".authorize").click()
          ])
          // A separate window, opened by the wizard, named for this member.
          expect(popup).not.toBe(page)
          expect(context.pages()).toContain(popup)
          expect(await popup.opener()).toBe(page)
          await signInToTrakt(s, popup, traktUsername)
          expect(await evaluate<string>(popup, "window.name")).toBe(`trakt-${memberId}`)
          // The callback page says who was connected, and (it has an opener) offers to close.
          const message = popup.locator("#result-message")
          await message.waitFor({ state: "visible" })
          expect((await message.textContent())?.replace(/\s+/g, " ").trim()).toBe(
            `${label} is connected as ${traktUsername}.`
          )
          await popup.locator("#close-window").waitFor({ state: "visible" })

          // The wizard's row turns authorized without a reload.
          await row.and(page.locator('[data-status="authorized"]')).waitFor({ timeout: 20_000 })
          expect(await row.locator(".status").textContent()).toBe("Connected")
          expect(await row.locator(".member-detail").textContent()).toBe(
            `Connected as ${traktUsername} on Trakt.`
          )
          expect(await row.locator(".authorize").isHidden()).toBe(true)
          if (i < memberIds.length - 1) {
            expect(await page.locator("#continue").isDisabled()).toBe(true)
            await page.locator("#continue-anyway").waitFor({ state: "visible" })
          }

          // The popup's own button closes it.
          await closedBy(popup, () => popup.locator("#close-window").click())
        }
        expect(await evaluate<string>(page, "window.__noReload")).toBe("still here")
        // Each callback page told the wizard at once, from our origin.
        expect(await evaluate<ReadonlyArray<unknown>>(page, "window.__messages")).toEqual(
          memberIds.map((memberId) => ({
            origin,
            data: { type: "family-member-authorized", memberId, status: "authorized" }
          }))
        )

        // Every member authorized: Continue is enabled, "Continue anyway" is gone.
        await page.locator("#continue:enabled").waitFor()
        expect(await page.locator("#continue-anyway").isHidden()).toBe(true)
        const authorized = await groupOf(s, plexUsername)
        expect(authorized.members.map((m) => [m.label, m.status, m.traktUsername])).toEqual(
          labels.map((label, i) => [label, "authorized", traktUsers[i]])
        )
        await page.locator("#continue").click()

        // Step 3: the webhook URL is the API's, both in the status endpoint and the admin API.
        await page.locator("#step-webhook").waitFor({ state: "visible" })
        const status = await s.json<{ webhookUrl: string; complete: boolean }>(
          `/oauth/family/${authorized.id}/status`
        )
        expect(status.complete).toBe(true)
        expect(status.webhookUrl).toBe(authorized.webhookUrl)
        expect(status.webhookUrl).toBe(`${origin}/api?id=${authorized.id}`)
        const shown = await page.locator("#webhook-url").inputValue()
        expect(shown).toBe(status.webhookUrl)
        expect(await page.locator("#webhook-plex-username").textContent()).toBe(plexUsername)

        // Copy announces "Copied", and the clipboard holds the URL.
        await page.locator("#copy-webhook").click()
        await page.locator("#copy-status", { hasText: "Copied" }).waitFor({ timeout: 10_000 })
        expect(await page.locator("#copy-status").textContent()).toBe("Copied")
        expect(await evaluate<string>(page, "navigator.clipboard.readText()")).toBe(shown)

        // Plex posts a real multipart webhook to that URL: every member's Trakt gets the play.
        const sample = samplePayloads.moviePlayNewAgent
        const webhook = encodeMultipartWebhook({
          ...sample,
          event: "media.play",
          Account: { ...sample.Account, title: plexUsername }
        })
        const answer = await fetch(shown, {
          method: "POST",
          headers: { "content-type": webhook.contentType },
          body: webhook.body
        })
        expect(answer.status).toBe(200)
        expect(await answer.json()).toMatchObject({ status: "accepted" })
        await waitUntil(
          "a scrobble for each of the three Trakt accounts",
          () => traktUsers.every((name) => s.sandbox.scrobbles(name).length >= 1),
          60_000
        )
        for (const name of traktUsers) {
          expect(s.sandbox.scrobbles(name).map((x) => [x.action, x.result])).toEqual([["start", "start"]])
        }

        expectNoProblems(unexpected(sandboxFavicon(s)))
      }
    )
  })
})

describe("the admin panel", () => {
  it("checks the token, lists groups, shows a group, adds and removes a member, dismisses a notification", {
    timeout: 240_000
  }, async () => {
    const { stack: s, browser: b } = ready()
    const plexUsername = freshName("admin-plex")
    const traktUsername = `alex-trakt-${process.pid}`

    // A family of two made through the API; Alex authorizes through the sandbox and our callback.
    const onboarding = await s.json<Onboarding>("/oauth/family/state", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ plexUsername, labels: ["Alex", "Blair"] })
    })
    const alex = onboarding.members.find((m) => m.label === "Alex")
    const blair = onboarding.members.find((m) => m.label === "Blair")
    if (alex === undefined || blair === undefined) throw new Error("the group lacks a member")
    const { redirectUrl } = s.sandbox.authorize({
      username: traktUsername,
      redirectUri: `${s.url}/authorize/family/member`,
      state: new URL(alex.authorizeUrl).searchParams.get("state") ?? ""
    })
    const callback = await fetch(redirectUrl)
    expect(callback.status).toBe(200)
    await callback.text()
    const groupPath = `/admin/api/family-groups/${onboarding.groupId}`

    await inWatchedContext(b, "admin", {}, async ({ page, unexpected }) => {
      await page.goto(`${s.url}/admin`)
      await page.locator("#sign-in-view").waitFor({ state: "visible" })

      // A wrong token: the alert says so and the sign-in form stays.
      await page.locator("#admin-token").fill("not-the-admin-token")
      await page.locator("#sign-in").click()
      await page.locator("#admin-alert", { hasText: "Wrong or missing admin token" }).waitFor()
      expect(await page.locator("#sign-in-view").isVisible()).toBe(true)
      expect(await page.locator("#groups-view").isVisible()).toBe(false)
      expect(await page.locator("#admin-token").getAttribute("aria-invalid")).toBe("true")

      // The right token: the groups table with this group and its member count.
      await page.locator("#admin-token").fill(ADMIN_TOKEN)
      await page.locator("#sign-in").click()
      await page.locator("#groups-view").waitFor({ state: "visible" })
      expect(await page.locator("#admin-alert").textContent()).toBe("")
      const groupRow = page.locator(`#groups-table tr.group-row[data-group-id="${onboarding.groupId}"]`)
      await groupRow.waitFor()
      expect(await groupRow.locator("a.open-group").textContent()).toBe(plexUsername)
      expect(await groupRow.locator('td[data-label="Members"]').textContent()).toBe("2")
      expect(await groupRow.locator('td[data-label="Authorized"]').textContent()).toBe("1 of 2")

      // The group: members with status and token expiry, the retry queue depth.
      await groupRow.locator("a.open-group").click()
      await page.locator("#group-view").waitFor({ state: "visible" })
      expect(page.url()).toBe(`${s.url}/admin#/groups/${onboarding.groupId}`)
      expect(await page.locator("#group-title").textContent()).toBe(`Plex user ${plexUsername}`)
      expect(await page.locator("#group-webhook-url").textContent()).toBe(onboarding.webhookUrl)
      const details = await s.json<GroupDetails>(groupPath, { admin: true })
      const queue = page.locator("#queue-depth")
      expect(await queue.getAttribute("data-queued")).toBe(String(details.queue.queued))
      expect(await queue.getAttribute("data-retrying")).toBe(String(details.queue.retrying))
      expect(await queue.getAttribute("data-permanent-failure")).toBe(String(details.queue.permanentFailure))
      expect(await queue.textContent()).toBe(
        `${details.queue.queued} queued, ${details.queue.retrying} retrying, ${details.queue.permanentFailure} failed for good`
      )
      const memberRow = (id: string) => page.locator(`#members-table tr[data-member-id="${id}"]`)
      expect(await page.locator("#members-table tbody tr[data-member-id]").count()).toBe(2)
      expect(await memberRow(alex.id).getAttribute("data-status")).toBe("authorized")
      expect(await memberRow(alex.id).locator(".status").textContent()).toBe("Connected")
      expect(await memberRow(alex.id).locator('td[data-label="Trakt user"]').textContent()).toBe(
        traktUsername
      )
      const alexExpiry = details.members.find((m) => m.id === alex.id)?.tokenExpiresAt
      expect(alexExpiry).toEqual(expect.any(String))
      const shownExpiry = await memberRow(alex.id).locator('td[data-label="Token expires"]').textContent()
      expect(shownExpiry).not.toBe("—")
      // The page shows the API's expiry in the browser's locale: the same year at least.
      expect(shownExpiry).toContain(String(new Date(alexExpiry ?? "").getFullYear()))
      expect(await memberRow(blair.id).getAttribute("data-status")).toBe("pending")
      expect(await memberRow(blair.id).locator('td[data-label="Token expires"]').textContent()).toBe("—")
      expect(await memberRow(blair.id).locator(".new-authorization").isVisible()).toBe(true)
      expect(await memberRow(alex.id).locator(".new-authorization").count()).toBe(0)

      // Add a member: the authorization link appears and the row is there, pending.
      await page.locator("#add-member-label").fill("Casey")
      await page.locator("#add-member-submit").click()
      const link = page.locator("#authorization-link a#authorization-link-url")
      await link.waitFor()
      const href = (await link.getAttribute("href")) ?? ""
      expect(new URL(href).origin).toBe(new URL(s.sandbox.url).origin)
      expect(new URL(href).pathname).toBe("/oauth/authorize")
      expect(new URL(href).searchParams.get("redirect_uri")).toBe(`${s.url}/authorize/family/member`)
      expect(await page.locator("#authorization-link").textContent()).toContain("Send this link to Casey")
      const afterAdd = await s.json<GroupDetails>(groupPath, { admin: true })
      const casey = afterAdd.members.find((m) => m.label === "Casey")
      expect(casey?.status).toBe("pending")
      const caseyRow = memberRow(casey?.id ?? "")
      await caseyRow.waitFor()
      expect(await caseyRow.getAttribute("data-status")).toBe("pending")
      expect(await caseyRow.locator("th").textContent()).toBe("Casey")
      expect(await page.locator("#add-member-label").inputValue()).toBe("")

      // Remove Casey, through the confirm step: the row goes, and the API agrees.
      await caseyRow.locator(".remove-member").click()
      await caseyRow.locator(".confirm-remove").waitFor()
      expect(await caseyRow.locator(".cancel-remove").isVisible()).toBe(true)
      expect(await caseyRow.count()).toBe(1)
      await caseyRow.locator(".confirm-remove").click()
      await caseyRow.waitFor({ state: "detached" })
      await page.locator("#admin-notice", { hasText: "Casey was removed." }).waitFor()
      const afterRemove = await s.json<GroupDetails>(groupPath, { admin: true })
      expect(afterRemove.members.map((m) => m.label).sort()).toEqual(["Alex", "Blair"])
      expect(await page.locator("#members-table tbody tr[data-member-id]").count()).toBe(2)

      // Adding and removing raised notifications; dismiss the newest one.
      const active = afterRemove.notifications.filter((n) => n.dismissedAt === null)
      expect(active.map((n) => n.kind).sort()).toEqual(["member_added", "member_removed"])
      const items = page.locator("#notifications li[data-notification-id]")
      expect(await items.count()).toBe(active.length)
      const first = items.first()
      const notificationId = (await first.getAttribute("data-notification-id")) ?? ""
      await first.locator(".dismiss-notification").click()
      await page
        .locator(`#notifications li[data-notification-id="${notificationId}"]`)
        .waitFor({ state: "detached" })
      expect(await items.count()).toBe(active.length - 1)
      const activeNow = await s.json<{ notifications: ReadonlyArray<{ id: string }> }>(
        `${groupPath}/notifications`,
        { admin: true }
      )
      expect(activeNow.notifications.map((n) => n.id)).not.toContain(notificationId)
      const all = await s.json<{ notifications: ReadonlyArray<{ id: string; dismissedAt: string | null }> }>(
        `${groupPath}/notifications?includeDismissed=true`,
        { admin: true }
      )
      expect(all.notifications.find((n) => n.id === notificationId)?.dismissedAt).toEqual(expect.any(String))

      // The only errors: the browser's own report of the 401 the wrong token got.
      expectNoProblems(
        unexpected(
          (p) =>
            p.kind === "console" &&
            /status of 401/.test(p.text) &&
            (p.url ?? "").startsWith(`${s.url}/admin/api/family-groups`)
        )
      )
    })
  })
})

describe("at phone width, by keyboard", () => {
  it("has no horizontal scroll and labels every input on the landing, wizard and admin pages", {
    timeout: 180_000
  }, async () => {
    const { stack: s, browser: b } = ready()
    // A group to show on the admin pages.
    const plexUsername = freshName("phone-plex")
    const onboarding = await s.json<Onboarding>("/oauth/family/state", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ plexUsername, labels: ["A very long member name for a narrow screen", "Bo"] })
    })

    await inWatchedContext(b, "phone", phone, async ({ page, unexpected }) => {
      const check = async (where: string) => {
        expect({ where, overflow: await horizontalOverflow(page) }).toEqual({ where, overflow: 0 })
        expect({ where, unlabelled: await unlabelledInputs(page) }).toEqual({ where, unlabelled: [] })
      }

      await page.goto(`${s.url}/`)
      await page.locator("#choose-family").waitFor()
      await check("landing")

      for (const path of ["/family", "/individual"]) {
        await page.goto(`${s.url}${path}`)
        await page.locator("#group-form").waitFor()
        await check(path)
      }
      // The family form at its fullest.
      await page.goto(`${s.url}/family`)
      const max = Number(await page.locator("#group-form").getAttribute("data-max-members"))
      while (await page.locator("#add-member").isEnabled()) await page.locator("#add-member").click()
      expect(await page.locator(".member-label").count()).toBe(max)
      await check("/family with every member row")

      await page.goto(`${s.url}/admin`)
      await page.locator("#sign-in-view").waitFor({ state: "visible" })
      await check("admin sign-in")
      await page.locator("#admin-token").fill(ADMIN_TOKEN)
      await page.locator("#sign-in").click()
      await page.locator("#groups-view").waitFor({ state: "visible" })
      await check("admin groups")
      await page.locator(`tr.group-row[data-group-id="${onboarding.groupId}"] a.open-group`).click()
      await page.locator("#group-view").waitFor({ state: "visible" })
      await page.locator("#members-table tbody tr[data-member-id]").first().waitFor()
      await check("admin group")
      // With a long authorization link shown.
      await page.locator("#members-table .new-authorization").first().click()
      await page.locator("#authorization-link a#authorization-link-url").waitFor()
      await check("admin group with an authorization link")

      // The measure does see overflow at this viewport: a 600 px wide element makes the page scroll.
      await evaluate(
        page,
        "(() => { const d = document.createElement('div'); d.style.width = '600px'; d.style.height = '1px'; document.querySelector('main').append(d); })()"
      )
      expect(await horizontalOverflow(page)).toBeGreaterThan(0)

      expectNoProblems(unexpected())
    })
  })

  it("completes the wizard's form and a Trakt sign-in with the keyboard only", {
    timeout: 180_000
  }, async () => {
    const { stack: s, browser: b } = ready()
    const plexUsername = freshName("keyboard-plex")

    await inWatchedContext(b, "keyboard", phone, async ({ page, unexpected }) => {
      await page.goto(`${s.url}/family`)
      await page.locator("#group-form").waitFor()

      // Tab to each field and type; the add button by Enter; the form submitted by Enter.
      await tabTo(page, "plex-username")
      await page.keyboard.type(plexUsername)
      await tabTo(page, "member-label-1")
      await page.keyboard.type("Kim")
      await tabTo(page, "member-label-2")
      await page.keyboard.type("Lee")
      await tabTo(page, "add-member")
      await page.keyboard.press("Enter")
      // Adding a row moves the focus into it.
      await waitUntil(
        "the focus in the new member field",
        async () => (await evaluate<string>(page, "document.activeElement.id")) === "member-label-3",
        10_000
      )
      await page.keyboard.type("Max")
      await page.keyboard.press("Enter")

      await page.locator("#step-authorize").waitFor({ state: "visible" })
      // The focus moved to the step's heading, for screen readers.
      expect(await evaluate<string>(page, "document.activeElement.id")).toBe("step-authorize-title")
      const rows = page.locator("#member-status-list li[data-member-id]")
      await waitUntil("three member rows", async () => (await rows.count()) === 3, 20_000)
      expect(await rows.locator(".member-name").allTextContents()).toEqual(["Kim", "Lee", "Max"])
      expect(await horizontalOverflow(page)).toBe(0)
      expect(await unlabelledInputs(page)).toEqual([])

      // The first member's "Authorize with Trakt", by Tab and Enter; the sandbox form by keyboard too.
      const first = rows.first()
      const memberId = (await first.getAttribute("data-member-id")) ?? ""
      await tabUntil(
        page,
        "the first member's Authorize with Trakt button",
        `(() => { const a = document.activeElement; return !!a && a.classList.contains("authorize") && a.closest("li").dataset.memberId === ${JSON.stringify(memberId)}; })()`
      )
      const [popup] = await Promise.all([
        page.waitForEvent("popup", { timeout: 20_000 }),
        page.keyboard.press("Enter")
      ])
      await popup.waitForURL((url) => url.origin === new URL(s.sandbox.url).origin)
      await popup.locator("input[name=username]").waitFor()
      await tabUntil(popup, "the sandbox's username field", "document.activeElement.name === 'username'")
      await popup.keyboard.type(`kim-trakt-${process.pid}`)
      await popup.keyboard.press("Enter")
      await popup.waitForURL((url) => url.href.startsWith(`${s.url}/authorize/family/member?`))
      await popup.locator("#result-message").waitFor()
      expect(await popup.locator("#result-message").textContent()).toContain("Kim")
      // The close button has the focus: Enter closes the window.
      await popup.locator("#close-window").waitFor({ state: "visible" })
      expect(await evaluate<string>(popup, "document.activeElement.id")).toBe("close-window")
      await closedBy(popup, () => popup.keyboard.press("Enter"))
      await first.and(page.locator('[data-status="authorized"]')).waitFor({ timeout: 20_000 })

      // One of three is connected: "Continue anyway" leads on to step 3, which fits the screen too.
      await page.locator("#continue-anyway").waitFor({ state: "visible" })
      await page.bringToFront()
      await tabTo(page, "continue-anyway", 40)
      await page.keyboard.press("Enter")
      await page.locator("#step-webhook").waitFor({ state: "visible" })
      expect(await page.locator("#webhook-url").inputValue()).toMatch(new RegExp(`^${s.url}/api\\?id=`))
      expect(await horizontalOverflow(page)).toBe(0)
      expect(await unlabelledInputs(page)).toEqual([])
      // Copy by keyboard, without clipboard permissions granted: the page still says it copied.
      await tabTo(page, "copy-webhook")
      await page.keyboard.press("Enter")
      await page.locator("#copy-status", { hasText: "Copied" }).waitFor({ timeout: 10_000 })

      expectNoProblems(unexpected(sandboxFavicon(s)))
    })
  })

  it("onboarding by invite: the admin page makes a code, its link fills in the family page, and it works once", {
    timeout: 180_000
  }, async () => {
    const { browser: b } = ready()
    const invited = await startStack({ settings: { onboarding: "invite" } })
    try {
      const plexUsername = freshName("invited-plex")
      let inviteUrl = ""
      await inWatchedContext(b, "invite-admin", {}, async ({ page, unexpected }) => {
        await page.goto(`${invited.url}/admin`)
        await page.locator("#admin-token").fill(ADMIN_TOKEN)
        await page.locator("#sign-in").click()
        await page.locator("#groups-view").waitFor({ state: "visible" })
        await page.locator("#invite-note").fill("the Smiths")
        await page.locator("#create-invite-submit").click()
        await page.locator("#invite-link-url").waitFor()
        inviteUrl = (await page.locator("#invite-link-url").textContent()) ?? ""
        expect(inviteUrl).toMatch(new RegExp(`^${invited.url}/family\\?invite=[A-Za-z0-9_-]{22}$`))
        const row = page.locator('#invites-table tr[data-testid="invite-row"]').first()
        expect(await row.getAttribute("data-state")).toBe("unused")
        expect(await row.locator("th").textContent()).toBe("the Smiths")
        expect(await unlabelledInputs(page)).toEqual([])
        expectNoProblems(unexpected())
      })

      await inWatchedContext(b, "invite-family", phone, async ({ page, unexpected }) => {
        await page.goto(inviteUrl)
        await page.locator("#group-form").waitFor()
        // The code is in its field, and out of the address bar.
        expect(await page.locator("#invite-code").inputValue()).toBe(
          new URL(inviteUrl).searchParams.get("invite")
        )
        expect(page.url()).toBe(`${invited.url}/family`)
        await page.locator("#plex-username").fill(plexUsername)
        await page.locator("#member-label-1").fill("Ann")
        await page.locator("#member-label-2").fill("Bo")
        await page.locator("#create-group").click()
        await page.locator("#step-authorize").waitFor({ state: "visible" })
        expect(await horizontalOverflow(page)).toBe(0)
        expectNoProblems(unexpected())
      })

      // The same link again: the code is refused on its own field, and no group is made.
      await inWatchedContext(b, "invite-again", {}, async ({ page, unexpected }) => {
        await page.goto(inviteUrl)
        await page.locator("#plex-username").fill(freshName("second-plex"))
        await page.locator("#member-label-1").fill("Cy")
        await page.locator("#member-label-2").fill("Di")
        await page.locator("#create-group").click()
        await page.locator("#invite-code-error", { hasText: "not valid" }).waitFor({ timeout: 20_000 })
        expect(await page.locator("#invite-code").getAttribute("aria-invalid")).toBe("true")
        expect(await page.locator("#step-authorize").isVisible()).toBe(false)
        // The browser reports the 403 answer itself; that is the refusal under test.
        expectNoProblems(unexpected((p) => p.kind === "console" && /status of 403/.test(p.text)))
      })
      const { groups } = await invited.json<{ groups: ReadonlyArray<{ plexUsername: string }> }>(
        "/admin/api/family-groups",
        { admin: true }
      )
      expect(groups.map((g) => g.plexUsername)).toEqual([plexUsername])
      const { invites } = await invited.json<{ invites: ReadonlyArray<{ state: string }> }>(
        "/admin/api/invites",
        {
          admin: true
        }
      )
      expect(invites.map((i) => i.state)).toEqual(["used"])
    } finally {
      await invited.close()
    }
  })

  it("sees a CSP violation when there is one (the watch works)", { timeout: 60_000 }, async () => {
    const { stack: s, browser: b } = ready()
    await inWatchedContext(b, "csp-probe", {}, async ({ page, problems }) => {
      const response = await page.goto(`${s.url}/`)
      expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'")
      // An inline script, which the policy forbids: reported as a violation and a console error.
      await evaluate(
        page,
        "(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.body.append(s); })()"
      )
      await waitUntil("the violation report", () => problems.some((p) => p.kind === "csp"), 10_000)
      expect(await evaluate<boolean>(page, "window.__ran === true")).toBe(false)
      expect(problems.some((p) => p.kind === "console" && /Content Security Policy/.test(p.text))).toBe(true)
    })
  })
})
