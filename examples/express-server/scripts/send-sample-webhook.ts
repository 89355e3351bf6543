/**
 * Post a Plex webhook to a running server, exactly as Plex Media Server does
 * (multipart, with a small JPEG `thumb` part on play), and print the answer.
 *
 *   send-sample-webhook --server http://localhost:3000 --group <group id> [--event play]
 *   send-sample-webhook --url 'http://localhost:3000/api?id=<group id>' [--event pause]
 *
 * Options: --event play|pause|resume|stop|scrobble (default play),
 * --user <Plex username> (default: the group's), --media episode|movie
 * (default episode), --title <title>, --progress <percent>.
 */
import { parseArgs } from "node:util"
import {
  postSampleWebhook,
  type SampleEvent,
  type SampleMedia,
  sampleEvents,
  sampleMedia
} from "../src/sampleWebhook.js"

const usage = `Usage: send-sample-webhook (--url <webhook URL> | --server <URL> --group <group id>)
         [--event ${sampleEvents.join("|")}] [--user <Plex username>] [--media ${sampleMedia.join("|")}]
         [--title <title>] [--progress <percent>]`

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`)
  process.exit(1)
}

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    server: { type: "string" },
    group: { type: "string" },
    event: { type: "string", default: "play" },
    user: { type: "string" },
    media: { type: "string", default: "episode" },
    title: { type: "string" },
    progress: { type: "string" },
    help: { type: "boolean", short: "h" }
  },
  // pnpm passes a lone "--" through when arguments follow it
  args: process.argv.slice(2).filter((arg) => arg !== "--")
})

if (values.help === true) {
  console.log(usage)
  process.exit(0)
}

const event = values.event as SampleEvent
if (!sampleEvents.includes(event))
  fail(`--event must be one of ${sampleEvents.join(", ")}, got "${values.event}"`)
const media = values.media as SampleMedia
if (!sampleMedia.includes(media))
  fail(`--media must be one of ${sampleMedia.join(", ")}, got "${values.media}"`)
const progress = values.progress === undefined ? undefined : Number(values.progress)
if (progress !== undefined && !(progress >= 0 && progress <= 100))
  fail(`--progress must be a percentage from 0 to 100, got "${values.progress}"`)

let webhookUrl: URL
if (values.url !== undefined) {
  if (!URL.canParse(values.url)) fail(`--url is not a URL: "${values.url}"`)
  webhookUrl = new URL(values.url)
} else if (values.server !== undefined && values.group !== undefined) {
  if (!URL.canParse(values.server)) fail(`--server is not a URL: "${values.server}"`)
  webhookUrl = new URL("/api", values.server)
  webhookUrl.searchParams.set("id", values.group)
} else {
  fail("Give the webhook URL (--url), or the server and the group (--server and --group).")
}
const groupId = webhookUrl.searchParams.get("id") ?? fail("The webhook URL has no ?id=<group id>.")

/** The group's Plex account, from its onboarding status. */
const groupPlexUser = async (): Promise<string> => {
  const statusUrl = new URL(`/oauth/family/${encodeURIComponent(groupId)}/status`, webhookUrl)
  const response = await fetch(statusUrl).catch((error: unknown) =>
    fail(`Cannot reach ${statusUrl.origin}: ${error instanceof Error ? error.message : String(error)}`)
  )
  if (!response.ok) fail(`GET ${statusUrl} answered ${response.status}: ${await response.text()}`)
  const status = (await response.json()) as { readonly plexUsername: string }
  return status.plexUsername
}

const plexUsername = values.user ?? (await groupPlexUser())
console.log(`POST ${webhookUrl} — media.${event} of the sample ${media} for Plex user ${plexUsername}`)
const answer = await postSampleWebhook(webhookUrl.toString(), {
  event,
  plexUsername,
  media,
  ...(values.title === undefined ? {} : { title: values.title }),
  ...(progress === undefined ? {} : { progress })
}).catch((error: unknown) =>
  fail(`Cannot reach ${webhookUrl.origin}: ${error instanceof Error ? error.message : String(error)}`)
)
console.log(`${answer.status} ${JSON.stringify(answer.body, null, 2)}`)
if (answer.status >= 300) process.exit(1)
