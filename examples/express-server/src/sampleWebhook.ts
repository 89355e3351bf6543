/**
 * Plex webhooks as Plex Media Server posts them (multipart, with a JPEG
 * `thumb` part on `media.play`), built from the sample payloads of
 * `@org/plex/testing`: for the `send-sample-webhook` script and the tests.
 */
import type { PlexWebhookEventEncoded } from "@org/plex"
import { type EncodedWebhook, encodeMultipartWebhook, samplePayloads, sampleThumb } from "@org/plex/testing"

export const sampleEvents = ["play", "pause", "resume", "stop", "scrobble"] as const
export type SampleEvent = (typeof sampleEvents)[number]

export const sampleMedia = ["episode", "movie"] as const
export type SampleMedia = (typeof sampleMedia)[number]

export interface SampleWebhookOptions {
  readonly event: SampleEvent
  /** The Plex account the event is for (`Account.title`). */
  readonly plexUsername: string
  /** The Bear S02E03 (default) or the film Heat. */
  readonly media?: SampleMedia
  /** Replaces the item's title (the episode's, for an episode). */
  readonly title?: string
  /**
   * Where playback is, in percent. Default: 0 for play, 40 for pause and resume,
   * 50 for stop; none for scrobble (Plex sends no position with it).
   */
  readonly progress?: number
}

const defaultProgress: Record<SampleEvent, number | undefined> = {
  play: 0,
  pause: 40,
  resume: 40,
  stop: 50,
  scrobble: undefined
}

/** The Plex event payload (the `payload` part's JSON). */
export const samplePayload = (options: SampleWebhookOptions): PlexWebhookEventEncoded => {
  const base = options.media === "movie" ? samplePayloads.moviePlayNewAgent : samplePayloads.episodePause
  const source: NonNullable<PlexWebhookEventEncoded["Metadata"]> = base.Metadata ?? {}
  const { viewOffset: _offset, viewCount: _count, lastViewedAt: _viewed, ...metadata } = source
  const progress = options.progress ?? defaultProgress[options.event]
  const duration = typeof metadata.duration === "number" ? metadata.duration : 0
  return {
    ...base,
    event: `media.${options.event}`,
    Account: { ...base.Account, title: options.plexUsername },
    Metadata: {
      ...metadata,
      ...(options.title === undefined ? {} : { title: options.title }),
      ...(progress === undefined ? {} : { viewOffset: Math.round((duration * progress) / 100) })
    }
  }
}

/** The request body and `Content-Type`, byte for byte as Plex sends them. */
export const sampleWebhook = (options: SampleWebhookOptions): EncodedWebhook =>
  encodeMultipartWebhook(samplePayload(options), options.event === "play" ? { thumb: sampleThumb } : {})

/** POST a sample webhook; answers the status and the parsed JSON answer. */
export const postSampleWebhook = async (
  webhookUrl: string,
  options: SampleWebhookOptions
): Promise<{ readonly status: number; readonly body: unknown }> => {
  const { body, contentType } = sampleWebhook(options)
  const response = await fetch(webhookUrl, {
    method: "POST",
    headers: { "content-type": contentType, "user-agent": "PlexMediaServer/1.41.3.9314-a0bfb8370" },
    body
  })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed }
}
