/**
 * The process-local services every deployment needs, unless a storage adapter
 * provides shared versions: in-process locks, member pacing, and playback
 * sessions in memory.
 */

import { Locks } from "@org/core"
import { Layer } from "effect"
import { MemberPacer } from "./MemberPacer.js"
import { PlaybackSessionsInMemory } from "./memory/PlaybackSessionsInMemory.js"

export const FamilyScrobbleLocal = Layer.mergeAll(
  Locks.layerLocal,
  MemberPacer.layer,
  PlaybackSessionsInMemory
)
