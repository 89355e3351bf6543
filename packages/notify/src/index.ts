/**
 * `@org/notify`: email over SMTP (nodemailer) and chat alerts through a Discord
 * webhook (undici), with templates, pacing and retries, and the prune engine's
 * `PruneMail` / `PruneChat` ports built on them. Test servers for both live in
 * `@org/notify/testing`.
 *
 * @packageDocumentation
 */
export * from "./Discord.js"
export * from "./Mailer.js"
export * from "./PruneNotify.js"
export * from "./RateWindow.js"
export * from "./templates.js"
