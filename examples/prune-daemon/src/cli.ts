/**
 * The daemon's command line: what to do, from its arguments. Pure.
 */
import { DateTime, Either } from "effect"

export type Command =
  | { readonly _tag: "Run"; readonly demo: boolean }
  | { readonly _tag: "Once"; readonly demo: boolean }
  | {
      readonly _tag: "Plan"
      readonly demo: boolean
      readonly at: DateTime.Utc | undefined
      readonly json: boolean
    }
  | { readonly _tag: "Help" }

export const usage = `Usage: pnpm run prune [--once | --plan [--at DATE] [--json]] [--demo]

  (no option)  run the new-user pass every CHECK_NEW_USERS_SECS and the inactivity
               pass every CHECK_INACTIVITY_SECS until stopped (Ctrl-C)
  --once       run both passes once and exit
  --plan       print what the engine would do now, change nothing
  --at DATE    with --plan: what it would do on DATE (2027-01-31 or an ISO date-time),
               if nobody watches until then
  --json       with --plan: one JSON object per user instead of a table
  --demo       against fake plex.tv, Tautulli and SMTP servers with sample users

Configuration comes from the environment: PLEX_TOKEN, PLEX_SERVER_NAME, TAUTULLI_URL,
TAUTULLI_API_KEY, SMTP_*, ADMIN_EMAIL, WARN_DAYS, KICK_DAYS, DRY_RUN (default true), …
(see examples/prune-daemon/README.md).`

export const parseArguments = (args: ReadonlyArray<string>): Either.Either<Command, string> => {
  let once = false
  let plan = false
  let json = false
  let demo = false
  let at: DateTime.Utc | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    switch (arg) {
      case "--":
        break
      case "--once":
        once = true
        break
      case "--plan":
        plan = true
        break
      case "--json":
        json = true
        break
      case "--demo":
        demo = true
        break
      case "--help":
      case "-h":
        return Either.right({ _tag: "Help" })
      case "--at": {
        const value = args[++i]
        const parsed = value === undefined ? undefined : DateTime.make(value)
        if (parsed === undefined || parsed._tag === "None" || !/^\d{4}-\d{2}-\d{2}/.test(value ?? ""))
          return Either.left(
            `--at needs a date such as 2027-01-31 or 2027-01-31T18:00:00Z, got ${value ?? "nothing"}`
          )
        at = DateTime.toUtc(parsed.value)
        break
      }
      default:
        return Either.left(`unknown argument ${arg}\n\n${usage}`)
    }
  }
  if (once && plan) return Either.left("--once and --plan do not go together")
  if ((json || at !== undefined) && !plan) return Either.left("--at and --json go with --plan")
  if (plan) return Either.right({ _tag: "Plan", demo, at, json })
  return Either.right(once ? { _tag: "Once", demo } : { _tag: "Run", demo })
}
