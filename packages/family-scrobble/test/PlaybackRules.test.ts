import { describe, expect, it } from "@effect/vitest"
import { Duration, Either } from "effect"
import {
  admitPlayback,
  defaultSettings,
  type FamilySettings,
  interpretPlexEvent,
  type PlaybackIntent,
  type PlexMetadata,
  progressFromOffset,
  type SessionState
} from "../src/index.js"
import { episodeMetadata, heatMetadata, plexEvent } from "./helpers.js"

const intentOf = (
  event: string,
  viewOffset?: number,
  metadata: PlexMetadata = heatMetadata
): PlaybackIntent => {
  const result = interpretPlexEvent(plexEvent(event, "LivingRoom", metadata, viewOffset), "livingroom")
  if (Either.isLeft(result)) throw new Error(result.left.detail)
  return result.right
}

const at = (percent: number) => Math.round((heatMetadata.duration * percent) / 100)

/** Feed events through the session rules like the webhook does; returns what was sent. */
const run = (
  steps: ReadonlyArray<{ readonly event: string; readonly percent?: number; readonly t: number }>,
  settings: FamilySettings = defaultSettings
) => {
  let session: SessionState | undefined
  let finishedAt: number | undefined
  return steps.map((step) => {
    const admission = admitPlayback(
      intentOf(step.event, step.percent === undefined ? undefined : at(step.percent)),
      session,
      finishedAt,
      step.t,
      settings
    )
    session = admission.session
    finishedAt = admission.finishedAt ?? finishedAt
    return Either.match(admission.result, {
      onLeft: (ignored) => `ignored:${ignored.reason}`,
      onRight: (command) => `${command.action}@${command.progress}${command.finish ? ":finish" : ""}`
    })
  })
}

describe("interpretPlexEvent", () => {
  it("maps the five playback events and ignores the rest", () => {
    expect(intentOf("media.play", 0).kind).toBe("media.play")
    const rated = interpretPlexEvent(plexEvent("media.rate", "LivingRoom", heatMetadata), "LivingRoom")
    expect(Either.isLeft(rated) && rated.left.reason).toBe("not_playback")
  })

  it("matches the group's Plex account case-insensitively and ignores other accounts", () => {
    expect(
      Either.isRight(interpretPlexEvent(plexEvent("media.play", "LIVINGROOM", heatMetadata), "livingRoom"))
    ).toBe(true)
    const other = interpretPlexEvent(plexEvent("media.play", "kid", heatMetadata), "LivingRoom")
    expect(Either.isLeft(other) && other.left.reason).toBe("other_account")
  })

  it("ignores clips and tracks with a reason, and events without metadata", () => {
    const clip = interpretPlexEvent(plexEvent("media.play", "tv", { ...heatMetadata, type: "clip" }), "tv")
    expect(Either.isLeft(clip) && clip.left.reason).toBe("unsupported_type")
    const none = interpretPlexEvent(plexEvent("media.play", "tv", undefined), "tv")
    expect(Either.isLeft(none) && none.left.reason).toBe("no_metadata")
  })

  it("keys a playback session by server, player, item and account", () => {
    const a = intentOf("media.play", 0)
    const b = intentOf("media.play", 0, episodeMetadata)
    expect(a.sessionKey).toBe("server-1|player-tv|1001|livingroom")
    expect(a.sessionKey).not.toBe(b.sessionKey)
  })
})

describe("progress", () => {
  it("is viewOffset / duration × 100, clamped to 0–100, and unknown without both", () => {
    expect(progressFromOffset(2_550_000, 10_200_000)).toBe(25)
    expect(progressFromOffset(11_000_000, 10_200_000)).toBe(100)
    expect(progressFromOffset(-5, 100)).toBe(0)
    expect(progressFromOffset(undefined, 100)).toBeUndefined()
    expect(progressFromOffset(50, 0)).toBeUndefined()
  })
})

describe("admitPlayback", () => {
  it("sends play as start, pause as a stop clamped below 80 %, and a finishing stop as a play", () => {
    expect(
      run([
        { event: "media.play", percent: 0, t: 0 },
        { event: "media.pause", percent: 40, t: 60_000 },
        { event: "media.resume", percent: 40, t: 120_000 },
        { event: "media.stop", percent: 93.5, t: 180_000 }
      ])
    ).toEqual(["start@0", "stop@40", "start@40", "stop@93.5:finish"])
  })

  it("sends a pause past 80 % as 79.9 % so Trakt does not record a play", () => {
    expect(
      run([
        { event: "media.play", percent: 85, t: 0 },
        { event: "media.pause", percent: 85, t: 5_000 }
      ])
    ).toEqual(["start@85", "stop@79.9"])
  })

  it("calls /scrobble/pause when pauseMode is pause", () => {
    expect(
      run([{ event: "media.pause", percent: 42, t: 0 }], { ...defaultSettings, pauseMode: "pause" })
    ).toEqual(["pause@42"])
  })

  it("never sends a stop below 1 % (Trakt answers 422)", () => {
    expect(run([{ event: "media.stop", percent: 0.2, t: 0 }])).toEqual(["stop@1"])
    expect(run([{ event: "media.pause", t: 0 }])).toEqual(["stop@1"])
  })

  it("sends media.scrobble as a stop at 90 % or the known progress if higher", () => {
    expect(run([{ event: "media.scrobble", t: 0 }])).toEqual(["stop@90:finish"])
    expect(
      run([
        { event: "media.play", percent: 96, t: 0 },
        { event: "media.scrobble", t: 10_000 }
      ])
    ).toEqual(["start@96", "stop@96:finish"])
  })

  it("drops a repeat of the same event within a second, not after", () => {
    expect(
      run([
        { event: "media.pause", percent: 30, t: 0 },
        { event: "media.pause", percent: 30, t: 999 },
        { event: "media.pause", percent: 31, t: 2_000 }
      ])
    ).toEqual(["stop@30", "ignored:duplicate", "stop@31"])
  })

  it("ignores progress that jumps backwards within a playback", () => {
    expect(
      run([
        { event: "media.play", percent: 50, t: 0 },
        { event: "media.pause", percent: 20, t: 10_000 }
      ])
    ).toEqual(["start@50", "stop@50"])
  })

  it("uses the last known progress when Plex leaves viewOffset out", () => {
    expect(
      run([
        { event: "media.play", percent: 30, t: 0 },
        { event: "media.stop", t: 10_000 }
      ])
    ).toEqual(["start@30", "stop@30"])
  })

  it("counts a finish once: media.scrobble then media.stop sends one play", () => {
    expect(
      run([
        { event: "media.play", percent: 0, t: 0 },
        { event: "media.scrobble", t: 5_000 },
        { event: "media.stop", percent: 98, t: 60_000 },
        { event: "media.resume", percent: 98, t: 61_000 }
      ])
    ).toEqual(["start@0", "stop@90:finish", "ignored:session_finished", "ignored:session_finished"])
  })

  it("counts a finish once per item within the window, across playbacks, and again after it", () => {
    const hour = Duration.toMillis(defaultSettings.finishWindow)
    expect(
      run([
        { event: "media.stop", percent: 95, t: 0 },
        { event: "media.play", percent: 0, t: 1_000 },
        { event: "media.stop", percent: 95, t: 2_000 },
        { event: "media.play", percent: 0, t: hour + 10_000 },
        { event: "media.stop", percent: 95, t: hour + 20_000 }
      ])
    ).toEqual(["stop@95:finish", "start@0", "ignored:already_finished", "start@0", "stop@95:finish"])
  })

  it("honours the watched threshold: below it a stop is a pause, at it a play", () => {
    const settings = { ...defaultSettings, watchedThreshold: 90 }
    expect(run([{ event: "media.stop", percent: 85, t: 0 }], settings)).toEqual(["stop@79.9"])
    expect(run([{ event: "media.stop", percent: 90, t: 0 }], settings)).toEqual(["stop@90:finish"])
    expect(run([{ event: "media.stop", percent: 80, t: 0 }])).toEqual(["stop@80:finish"])
  })
})
