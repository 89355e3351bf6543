import { describe, expect, it } from "@effect/vitest"
import type { NoticeRecipient } from "@org/prune"
import { DateTime } from "effect"
import {
  ChatColors,
  escapeHtml,
  escapeMarkdown,
  formatDate,
  renderAdminReport,
  renderChatMessage,
  renderPruneEmail,
  renderRemoved,
  renderWarning,
  renderWelcome
} from "../src/index.js"
import { alice, at, report } from "./helpers.js"

const sneaky: NoticeRecipient = {
  userId: "666",
  username: `<script>alert("x")</script>&co`,
  email: "sneaky@example.com",
  kind: "friend"
}

describe("email templates", () => {
  it("escapes HTML in every interpolated value", () => {
    const email = renderWelcome({ to: sneaky, serverName: `Tom & Jerry's <Server>`, kickDays: 30 })
    expect(email.html).not.toContain("<script>")
    expect(email.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;co")
    expect(email.html).toContain("Tom &amp; Jerry&#39;s &lt;Server&gt;")
    // The text part is text: no escaping there.
    expect(email.text).toContain(`Hi <script>alert("x")</script>&co,`)
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
  })

  it("welcome states the rule and names the server in the subject", () => {
    const email = renderWelcome({ to: alice, serverName: "Movie Night", kickDays: 30 })
    expect(email.subject).toBe("Welcome to Movie Night: watch at least once every 30 days")
    expect(email.text).toContain("watch something at least once every 30 days")
    expect(email.html).toContain("at least once every 30 days")
    expect(email.html.startsWith("<!doctype html>")).toBe(true)
  })

  it("warning shows the days left and the date of removal", () => {
    const email = renderWarning({ to: alice, serverName: "Movie Night", daysLeft: 5, removeAfter: at })
    expect(email.subject).toBe("Movie Night: your access ends in 5 days unless you watch something")
    expect(email.text).toMatch(/Friday,? 12 December 2025/)
    expect(email.text).toContain("5 days left")
    expect(email.html).toMatch(/<strong>Friday,? 12 December 2025<\/strong>/)
    expect(email.html).toContain("<strong>5 days left</strong>")
  })

  it("warning with one day or none left reads naturally", () => {
    expect(renderWarning({ to: alice, serverName: "S", daysLeft: 1, removeAfter: at }).subject).toContain(
      "ends tomorrow"
    )
    const today = renderWarning({ to: alice, serverName: "S", daysLeft: 0, removeAfter: at })
    expect(today.subject).toContain("ends today")
    expect(today.text).toContain("(today)")
    expect(renderWarning({ to: alice, serverName: "S", daysLeft: 1, removeAfter: at }).text).toContain(
      "1 day left"
    )
  })

  it("dates follow the configured zone and locale", () => {
    const late = DateTime.unsafeMake("2025-12-12T23:30:00Z")
    expect(formatDate(late)).toMatch(/^Friday,? 12 December 2025$/)
    expect(formatDate(late, { timeZone: "Asia/Tokyo" })).toMatch(/^Saturday,? 13 December 2025$/)
    expect(formatDate(late, { timeZone: "Not/AZone" })).toBe("2025-12-12")
  })

  it("removal names the server and the rule; the contact line is configurable", () => {
    const email = renderRemoved(
      { to: alice, serverName: "Movie Night", kickDays: 30 },
      { contact: "message Sam on Signal", signOff: "Sam" }
    )
    expect(email.subject).toBe("Movie Night: your access has been removed")
    expect(email.text).toContain("nothing was watched for 30 days")
    expect(email.text).toContain("If you would like it back, message Sam on Signal.")
    expect(email.text).toContain("\nSam\n")
  })

  it("subjects are one line even if the server name is not", () => {
    const email = renderRemoved({ to: alice, serverName: "Evil\r\nBcc: x@example.com", kickDays: 30 })
    expect(email.subject).not.toMatch(/[\r\n]/)
  })

  it("the admin report has one table per outcome, escaped, and a summary subject", () => {
    const email = renderAdminReport(report)
    expect(email.subject).toBe(
      "Movie Night inactivity report 2025-12-01: 1 warned, 1 removed, 1 removal failed, 1 problem"
    )
    for (const title of [
      "Warned (1)",
      "Removed (1)",
      "Removal failed (will be retried) (1)",
      "Removal abandoned (0)",
      "Problems (1)"
    ]) {
      expect(email.text).toContain(title)
      expect(email.html).toContain(escapeHtml(title))
    }
    expect(email.html.match(/<table/g)).toHaveLength(4)
    expect(email.html).toContain("None.")
    expect(email.html).toContain("&lt;dave&gt;")
    expect(email.html).toContain("email failed: &lt;b&gt;550&lt;/b&gt;")
    expect(email.html).not.toContain("<b>550</b>")
    expect(email.text).toContain("  - bob [102]: inactive for 31 days")
  })

  it("an empty report says so", () => {
    const email = renderAdminReport({ ...report, warned: [], removed: [], removalFailed: [], problems: [] })
    expect(email.subject).toContain("nothing to report")
  })

  it("renderPruneEmail picks the template by tag", () => {
    expect(renderPruneEmail({ _tag: "AdminReport", to: "admin@example.com", report }).subject).toContain(
      "inactivity report"
    )
    expect(
      renderPruneEmail({ _tag: "Warning", to: alice, serverName: "S", daysLeft: 3, removeAfter: at }).text
    ).toContain("3 days left")
  })
})

describe("chat messages", () => {
  it("warned: the user, the server and the days left", () => {
    const message = renderChatMessage({ _tag: "Warned", user: alice, serverName: "Movie Night", daysLeft: 5 })
    expect(message.content).toBe("⚠️ **alice** was warned on **Movie Night**: 5 days left to watch something.")
    expect(message.embeds?.[0]).toMatchObject({ color: ChatColors.warned })
    expect(message.embeds?.[0]?.fields).toContainEqual({ name: "Days left", value: "5", inline: true })
  })

  it("removed and removal failed", () => {
    const removed = renderChatMessage({ _tag: "Removed", user: alice, serverName: "S", inactiveDays: 31 })
    expect(removed.content).toContain("after 31 days without watching")
    const failed = renderChatMessage({
      _tag: "RemovalFailed",
      user: alice,
      serverName: "S",
      error: "plex.tv answered 503",
      gaveUp: true
    })
    expect(failed.content).toContain("failed (gave up)")
    expect(failed.embeds?.[0]?.description).toBe("plex.tv answered 503")
  })

  it("escapes markdown and mentions in names", () => {
    const message = renderChatMessage({
      _tag: "Warned",
      user: { ...alice, username: "**bold**_@everyone" },
      serverName: "S",
      daysLeft: 2
    })
    expect(message.content).toContain("\\*\\*bold\\*\\*\\_\\@everyone")
    expect(escapeMarkdown("a`b|c")).toBe("a\\`b\\|c")
  })
})
