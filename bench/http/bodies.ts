/**
 * The webhook bodies of the HTTP benchmark: Plex's `media.play` of a movie for a
 * group's Plex account, multipart as Plex posts it, with or without a `thumb`.
 */
import { type EncodedWebhook, encodeMultipartWebhook, moviePlayNewAgent } from "@org/plex/testing"

/**
 * A stand-in for the poster JPEG Plex attaches to `media.play` (20–60 kB in
 * practice): JPEG markers around `bytes` of pseudo-random data, which is what
 * compressed image data looks like to a multipart parser scanning for the
 * boundary. The same bytes every run (a fixed xorshift seed).
 */
export const benchThumb = (bytes: number): Uint8Array => {
  const thumb = new Uint8Array(Math.max(bytes, 4))
  let x = 0x2545f491
  for (let i = 0; i < thumb.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    thumb[i] = x & 0xff
  }
  // SOI … EOI, as a JPEG starts and ends.
  thumb.set([0xff, 0xd8], 0)
  thumb.set([0xff, 0xd9], thumb.length - 2)
  return thumb
}

/**
 * `media.play` of "Heat" by `plexUsername` (the group's Plex account), on player
 * `player` (a playback session of its own), with a `thumb` part when given.
 */
export const playWebhook = (
  plexUsername: string,
  thumb: Uint8Array | undefined,
  player = "bench-player"
): EncodedWebhook =>
  encodeMultipartWebhook(
    {
      ...moviePlayNewAgent,
      Account: { ...moviePlayNewAgent.Account, title: plexUsername },
      Player: { ...moviePlayNewAgent.Player, title: player, uuid: player }
    },
    thumb === undefined ? {} : { thumb }
  )
