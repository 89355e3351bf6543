/**
 * `@org/notify/testing`: an SMTP sink and a Discord webhook sink, real servers
 * on loopback for tests, examples and benchmarks. Start one with
 * `startSmtpSink()` / `startDiscordSink()` (a promise) or `scopedSmtpSink()` /
 * `scopedDiscordSink()` (an Effect that closes it with its scope).
 */
export * from "./testing/DiscordSink.js"
export { type ParsedMail, parseMail } from "./testing/mime.js"
export * from "./testing/SmtpSink.js"
