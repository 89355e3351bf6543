/**
 * How the prune engine's notices read: subjects, plain text and HTML for the
 * emails, and text plus embeds for the chat messages. Pure functions of the
 * notice and a few options, so they are easy to test and to replace.
 */
import type { AdminReport, NoticeRecipient, PruneChatMessage, PruneEmail, ReportLine } from "@org/prune"
import { DateTime } from "effect"
import type { DiscordEmbed, DiscordMessage } from "./Discord.js"

/** An email ready to send: the subject and both bodies. */
export interface RenderedEmail {
  readonly subject: string
  readonly text: string
  readonly html: string
}

/** How the templates format dates and sign off. */
export interface TemplateOptions {
  /** IANA time zone for dates in mail. Default `"UTC"`. */
  readonly timeZone?: string
  /** BCP 47 locale for dates in mail. Default `"en-GB"` ("Friday, 12 December 2025"; the exact form is ICU's). */
  readonly locale?: string
  /** How users reach the owner, ending "If you have a question, …". Default "reply to this email". */
  readonly contact?: string
  /** The sign-off line under each user email. Default: the server's name. */
  readonly signOff?: string
}

// ---------------------------------------------------------------------------
// Text helpers

/** Escape a value for HTML text and attribute positions. */
export const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c
  )

/** Subjects are one header line: no line breaks, no runs of blanks. */
const oneLine = (value: string): string =>
  value
    .replace(/[\r\n\t]+/g, " ")
    .replace(/ {2,}/g, " ")
    .trim()

/** "1 day", "5 days". */
export const pluralDays = (days: number): string => `${days} ${days === 1 ? "day" : "days"}`

/** "today", "tomorrow", "in 5 days". */
export const inDays = (days: number): string =>
  days <= 0 ? "today" : days === 1 ? "tomorrow" : `in ${pluralDays(days)}`

/** A date for people, in the configured zone and locale: "Friday, 12 December 2025". */
export const formatDate = (date: DateTime.DateTime, options: TemplateOptions = {}): string => {
  try {
    return new Intl.DateTimeFormat(options.locale ?? "en-GB", {
      timeZone: options.timeZone ?? "UTC",
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric"
    }).format(DateTime.toDate(date))
  } catch {
    // An unknown zone or locale: fall back to an unambiguous date.
    return DateTime.formatIsoDateUtc(date)
  }
}

const greetingName = (to: NoticeRecipient): string => (to.username !== "" ? to.username : "there")

const contactLine = (options: TemplateOptions) =>
  `If you have a question, ${options.contact ?? "reply to this email"}.`

const signOff = (serverName: string, options: TemplateOptions) => options.signOff ?? serverName

/** A small, self-contained HTML document: inline styles only, as mail clients want. */
const htmlDocument = (title: string, body: string): string =>
  [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    "</head>",
    '<body style="margin:0;padding:0;background:#f4f4f5;">',
    '<div style="max-width:600px;margin:0 auto;padding:24px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#18181b;background:#ffffff;">',
    body,
    "</div>",
    "</body>",
    "</html>",
    ""
  ].join("\n")

const p = (html: string) => `<p style="margin:0 0 16px;">${html}</p>`
const strong = (value: string) => `<strong>${escapeHtml(value)}</strong>`

// ---------------------------------------------------------------------------
// User emails

/** The rule, once, when a user joins (or the rule starts applying to them). */
export const renderWelcome = (
  input: { readonly to: NoticeRecipient; readonly serverName: string; readonly kickDays: number },
  options: TemplateOptions = {}
): RenderedEmail => {
  const { serverName, kickDays } = input
  const name = greetingName(input.to)
  const subject = oneLine(`Welcome to ${serverName}: watch at least once every ${pluralDays(kickDays)}`)
  const text = [
    `Hi ${name},`,
    "",
    `Welcome to ${serverName}! There is one rule: watch something at least once every ${pluralDays(kickDays)}.`,
    "",
    `Access that goes unused for ${pluralDays(kickDays)} is removed, so that the server's shares go to people who use them. You will get an email before that happens, and anything counts: one episode is enough.`,
    "",
    contactLine(options),
    "",
    "Enjoy!",
    signOff(serverName, options),
    ""
  ].join("\n")
  const html = htmlDocument(
    subject,
    [
      p(`Hi ${escapeHtml(name)},`),
      p(
        `Welcome to ${strong(serverName)}! There is one rule: <strong>watch something at least once every ${escapeHtml(pluralDays(kickDays))}</strong>.`
      ),
      p(
        `Access that goes unused for ${escapeHtml(pluralDays(kickDays))} is removed, so that the server's shares go to people who use them. You will get an email before that happens, and anything counts: one episode is enough.`
      ),
      p(escapeHtml(contactLine(options))),
      p(`Enjoy!<br>${escapeHtml(signOff(serverName, options))}`)
    ].join("\n")
  )
  return { subject, text, html }
}

/** The warning: how many days are left and the date access goes. */
export const renderWarning = (
  input: {
    readonly to: NoticeRecipient
    readonly serverName: string
    readonly daysLeft: number
    readonly removeAfter: DateTime.Utc
  },
  options: TemplateOptions = {}
): RenderedEmail => {
  const { serverName, daysLeft } = input
  const name = greetingName(input.to)
  const date = formatDate(input.removeAfter, options)
  const subject = oneLine(`${serverName}: your access ends ${inDays(daysLeft)} unless you watch something`)
  const text = [
    `Hi ${name},`,
    "",
    `You have not watched anything on ${serverName} for a while. Your access will be removed on ${date} (${daysLeft <= 0 ? "today" : `${pluralDays(daysLeft)} left`}).`,
    "",
    "To keep it, watch something before then: one episode or a film is enough, and nothing else is needed.",
    "",
    contactLine(options),
    "",
    signOff(serverName, options),
    ""
  ].join("\n")
  const html = htmlDocument(
    subject,
    [
      p(`Hi ${escapeHtml(name)},`),
      p(
        `You have not watched anything on ${strong(serverName)} for a while. Your access will be removed on <strong>${escapeHtml(date)}</strong> (${daysLeft <= 0 ? "today" : `<strong>${escapeHtml(pluralDays(daysLeft))} left</strong>`}).`
      ),
      p(
        "To keep it, watch something before then: one episode or a film is enough, and nothing else is needed."
      ),
      p(escapeHtml(contactLine(options))),
      p(escapeHtml(signOff(serverName, options)))
    ].join("\n")
  )
  return { subject, text, html }
}

/** Access was removed. */
export const renderRemoved = (
  input: { readonly to: NoticeRecipient; readonly serverName: string; readonly kickDays: number },
  options: TemplateOptions = {}
): RenderedEmail => {
  const { serverName, kickDays } = input
  const name = greetingName(input.to)
  const subject = oneLine(`${serverName}: your access has been removed`)
  const text = [
    `Hi ${name},`,
    "",
    `Your access to ${serverName} has been removed because nothing was watched for ${pluralDays(kickDays)} (the rule is to watch at least once every ${pluralDays(kickDays)}).`,
    "",
    `If you would like it back, ${options.contact ?? "reply to this email"}.`,
    "",
    signOff(serverName, options),
    ""
  ].join("\n")
  const html = htmlDocument(
    subject,
    [
      p(`Hi ${escapeHtml(name)},`),
      p(
        `Your access to ${strong(serverName)} has been removed because nothing was watched for ${escapeHtml(pluralDays(kickDays))} (the rule is to watch at least once every ${escapeHtml(pluralDays(kickDays))}).`
      ),
      p(escapeHtml(`If you would like it back, ${options.contact ?? "reply to this email"}.`)),
      p(escapeHtml(signOff(serverName, options)))
    ].join("\n")
  )
  return { subject, text, html }
}

// ---------------------------------------------------------------------------
// Admin report

interface ReportSection {
  readonly title: string
  readonly lines: ReadonlyArray<ReportLine>
}

const reportSections = (report: AdminReport): ReadonlyArray<ReportSection> => [
  { title: "Warned", lines: report.warned },
  { title: "Removed", lines: report.removed },
  { title: "Removal failed (will be retried)", lines: report.removalFailed },
  { title: "Removal abandoned", lines: report.removalAbandoned },
  { title: "Problems", lines: report.problems }
]

const reportSummary = (report: AdminReport): string => {
  const parts = [
    report.warned.length > 0 ? `${report.warned.length} warned` : undefined,
    report.removed.length > 0 ? `${report.removed.length} removed` : undefined,
    report.removalFailed.length > 0 ? `${report.removalFailed.length} removal failed` : undefined,
    report.removalAbandoned.length > 0 ? `${report.removalAbandoned.length} abandoned` : undefined,
    report.problems.length > 0
      ? `${report.problems.length} ${report.problems.length === 1 ? "problem" : "problems"}`
      : undefined
  ].filter((part): part is string => part !== undefined)
  return parts.length === 0 ? "nothing to report" : parts.join(", ")
}

const lineName = (line: ReportLine) => (line.username !== "" ? line.username : `user ${line.userId}`)

const textTable = (section: ReportSection): string =>
  [
    `${section.title} (${section.lines.length})`,
    ...(section.lines.length === 0
      ? ["  none"]
      : section.lines.map(
          (line) =>
            `  - ${lineName(line)}${line.userId !== "" ? ` [${line.userId}]` : ""}${line.detail !== "" ? `: ${line.detail}` : ""}`
        ))
  ].join("\n")

const cell = 'style="padding:6px 8px;border-bottom:1px solid #e4e4e7;text-align:left;vertical-align:top;"'

const htmlTable = (section: ReportSection): string => {
  const heading = `<h2 style="font-size:16px;margin:24px 0 8px;">${escapeHtml(section.title)} (${section.lines.length})</h2>`
  if (section.lines.length === 0) return `${heading}\n${p('<span style="color:#71717a;">None.</span>')}`
  const rows = section.lines
    .map(
      (line) =>
        `<tr><td ${cell}>${escapeHtml(lineName(line))}</td><td ${cell}>${escapeHtml(line.userId)}</td><td ${cell}>${escapeHtml(line.detail)}</td></tr>`
    )
    .join("\n")
  return [
    heading,
    '<table style="border-collapse:collapse;width:100%;font-size:14px;">',
    `<thead><tr><th ${cell}>User</th><th ${cell}>Id</th><th ${cell}>Detail</th></tr></thead>`,
    `<tbody>\n${rows}\n</tbody>`,
    "</table>"
  ].join("\n")
}

/** What one inactivity pass did, for the owner: one table per outcome. */
export const renderAdminReport = (report: AdminReport, options: TemplateOptions = {}): RenderedEmail => {
  const date = DateTime.formatIsoDateUtc(report.at)
  const summary = reportSummary(report)
  const subject = oneLine(`${report.serverName} inactivity report ${date}: ${summary}`)
  const sections = reportSections(report)
  const when = `${formatDate(report.at, options)} (${DateTime.formatIso(report.at)})`
  const text = [
    `Inactivity pass on ${report.serverName}, ${when}: ${summary}.`,
    "",
    ...sections.map((section) => `${textTable(section)}\n`),
    ""
  ].join("\n")
  const html = htmlDocument(
    subject,
    [
      `<h1 style="font-size:20px;margin:0 0 16px;">${escapeHtml(report.serverName)} inactivity report</h1>`,
      p(`${escapeHtml(when)}: ${strong(summary)}.`),
      ...sections.map(htmlTable)
    ].join("\n")
  )
  return { subject, text, html }
}

/** Render any of the engine's emails. */
export const renderPruneEmail = (email: PruneEmail, options: TemplateOptions = {}): RenderedEmail => {
  switch (email._tag) {
    case "Welcome":
      return renderWelcome(email, options)
    case "Warning":
      return renderWarning(email, options)
    case "Removed":
      return renderRemoved(email, options)
    case "AdminReport":
      return renderAdminReport(email.report, options)
  }
}

// ---------------------------------------------------------------------------
// Chat

/** Escape Discord markdown so names and errors render as typed. */
export const escapeMarkdown = (value: string): string => value.replace(/([\\*_~`|>#[\]()<:@-])/g, "\\$1")

const chatName = (user: NoticeRecipient) =>
  escapeMarkdown(user.username !== "" ? user.username : `user ${user.userId}`)

/** Embed colours: amber, red, dark red. */
export const ChatColors = { warned: 0xf59e0b, removed: 0xdc2626, failed: 0x7f1d1d } as const

const field = (name: string, value: string, inline = true) => ({ name, value, inline })

const userFields = (user: NoticeRecipient) => [
  field("User", chatName(user)),
  field("Id", escapeMarkdown(user.userId)),
  field("Kind", user.kind)
]

/** The chat message for a warning, a removal, or a removal that failed. */
export const renderChatMessage = (message: PruneChatMessage): DiscordMessage => {
  const server = escapeMarkdown(message.serverName)
  const name = chatName(message.user)
  switch (message._tag) {
    case "Warned": {
      const embed: DiscordEmbed = {
        title: `Warned on ${server}`,
        color: ChatColors.warned,
        fields: [...userFields(message.user), field("Days left", String(message.daysLeft))]
      }
      return {
        content: `⚠️ **${name}** was warned on **${server}**: ${pluralDays(message.daysLeft)} left to watch something.`,
        embeds: [embed]
      }
    }
    case "Removed": {
      const embed: DiscordEmbed = {
        title: `Removed from ${server}`,
        color: ChatColors.removed,
        fields: [...userFields(message.user), field("Inactive for", pluralDays(message.inactiveDays))]
      }
      return {
        content: `🚫 **${name}** was removed from **${server}** after ${pluralDays(message.inactiveDays)} without watching.`,
        embeds: [embed]
      }
    }
    case "RemovalFailed": {
      const outcome = message.gaveUp ? "gave up" : "will retry"
      const embed: DiscordEmbed = {
        title: `Removal failed on ${server}`,
        color: ChatColors.failed,
        description: escapeMarkdown(message.error).slice(0, 1024),
        fields: [...userFields(message.user), field("Outcome", message.gaveUp ? "Gave up" : "Will retry")]
      }
      return {
        content: `❗ Removing **${name}** from **${server}** failed (${outcome}).`,
        embeds: [embed]
      }
    }
  }
}
