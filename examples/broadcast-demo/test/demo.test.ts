import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { runDemo } from "../src/demo.js"

describe("broadcast demo", () => {
  it.live(
    "broadcasts the evening to all three members, retries Sam's rate-limited start, ignores what is not theirs",
    () =>
      Effect.gen(function* () {
        const lines: Array<string> = []
        const result = yield* runDemo({ print: (line) => lines.push(line), latencyMs: 0 })

        // Everyone ends with the same history and one play, Sam included (after a retry).
        const history = ["start 0% → start", "stop 40% → pause", "start 40% → start", "stop 90% → scrobble"]
        expect(result.received).toEqual({ Mum: history, Dad: history, Sam: history })
        expect(result.plays).toEqual({ Mum: 1, Dad: 1, Sam: 1 })
        expect(result.retried).toEqual(["Sam"])

        const steps = Object.fromEntries(result.reports.map(({ step, report }) => [step, report._tag]))
        expect(steps).toEqual({
          "Start the episode": "Broadcast",
          "Pause at 40 %": "Broadcast",
          Resume: "Broadcast",
          "Someone else on the same Plex server": "Ignored",
          "Music in the kitchen": "Ignored",
          "Finish (Plex marks it watched)": "Broadcast"
        })
        expect(result.webhookUrlPath).toMatch(/^\/api\?id=[0-9a-f-]{36}$/)
        expect(lines.join("\n")).toContain("queued for retry")
        // No token in anything the demo prints.
        expect(lines.join("\n")).not.toMatch(/sandbox-(access|refresh)-/)
      }),
    30_000
  )
})
