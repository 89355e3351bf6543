import { clientScript } from "./client.js"
import { assetPaths, escapeHtml, layout } from "./html.js"

export interface WizardOptions {
  readonly mode: "family" | "individual"
  /** Most members a family group may have (the server's `maxMembers`). */
  readonly maxMembers: number
  /**
   * The server's onboarding mode: `invite` asks for the admin's code (filled in
   * from `?invite=`); `admin` shows no form, only who to ask. Default `open`.
   */
  readonly onboarding?: "open" | "invite" | "admin" | undefined
}

const INVITE_CODE_MAX = 64

const inviteCodeField = `<div class="field">
      <label for="invite-code">Invite code</label>
      <input type="text" id="invite-code" name="inviteCode" maxlength="${INVITE_CODE_MAX}" autocomplete="off" autocapitalize="none" spellcheck="false" required aria-describedby="invite-code-hint invite-code-error" data-testid="invite-code">
      <p class="hint" id="invite-code-hint">Setting up an account on this server needs an invite from its admin. The link they sent fills this in.</p>
      <p class="field-error" id="invite-code-error"></p>
    </div>`

const closedPage = (title: string): string =>
  layout({
    title,
    main: `<h1>${escapeHtml(title)}</h1>
<section data-testid="onboarding-closed">
  <p class="notice">Accounts on this server are set up by its admin. Ask them to create yours: they will send each person the link that connects their Trakt account.</p>
</section>`
  })

const LABEL_MAX = 50
const PLEX_USERNAME_MAX = 100

const memberInputRow = (n: number, removable: boolean): string => `<li class="member-row">
  <label for="member-label-${n}">Member ${n}</label>
  <div class="inline-row">
    <input type="text" class="member-label" id="member-label-${n}" name="labels" maxlength="${LABEL_MAX}" autocomplete="off" required aria-describedby="member-label-${n}-error">
    <button type="button" class="remove-label" aria-label="Remove member ${n}"${removable ? "" : " hidden"}>Remove</button>
  </div>
  <p class="field-error" id="member-label-${n}-error"></p>
</li>`

const familyMembersFieldset = (maxMembers: number): string => `<fieldset>
  <legend>Family members</legend>
  <p class="hint" id="members-hint">One name per person who watches, for example Mum, Dad, Sam. Between 2 and ${maxMembers} members; each person connects their own Trakt account in the next step.</p>
  <ol class="member-inputs" id="member-inputs">
${memberInputRow(1, false)}
${memberInputRow(2, false)}
  </ol>
  <template id="member-row-template">${memberInputRow(0, true)}</template>
  <div class="actions">
    <button type="button" id="add-member" data-testid="add-member">Add member</button>
    <span class="hint" id="member-count" aria-live="polite">2 of ${maxMembers} members</span>
  </div>
</fieldset>`

const individualNameField = `<div class="field" id="member-inputs">
  <div class="member-row">
    <label for="member-label-1">Your name</label>
    <input type="text" class="member-label" id="member-label-1" name="labels" maxlength="${LABEL_MAX}" autocomplete="name" required aria-describedby="member-label-1-hint member-label-1-error">
    <p class="hint" id="member-label-1-hint">How you appear on the admin page.</p>
    <p class="field-error" id="member-label-1-error"></p>
  </div>
</div>`

/** `/family` and `/individual`: create the group, connect Trakt, add the Plex webhook. */
export const wizardPage = (options: WizardOptions): string => {
  const family = options.mode === "family"
  const maxMembers = Math.max(
    family ? 2 : 1,
    Math.floor(Number.isFinite(options.maxMembers) ? options.maxMembers : 2)
  )
  const title = family ? "Set up a family account" : "Set up an individual account"
  if (options.onboarding === "admin") return closedPage(title)
  return layout({
    title,
    scripts: [assetPaths.wizardScript],
    main: `<h1>${escapeHtml(title)}</h1>
<ol class="steps" id="steps" aria-label="Progress">
  <li data-step="1" aria-current="step">1. ${family ? "Your household" : "Your accounts"}</li>
  <li data-step="2">2. Connect Trakt</li>
  <li data-step="3">3. Plex webhook</li>
</ol>
<noscript><p class="alert">This page needs JavaScript to talk to the server. Please enable it and reload.</p></noscript>

<section id="step-details" data-testid="step-details" aria-labelledby="step-details-title">
  <h2 id="step-details-title" tabindex="-1">Step 1 of 3: ${family ? "Your household" : "Your accounts"}</h2>
  <form id="group-form" data-mode="${escapeHtml(options.mode)}" data-max-members="${maxMembers}" novalidate>
${options.onboarding === "invite" ? `    ${inviteCodeField}\n` : ""}    <div class="field">
      <label for="plex-username">Plex username of the shared account</label>
      <input type="text" id="plex-username" name="plexUsername" maxlength="${PLEX_USERNAME_MAX}" autocomplete="username" autocapitalize="none" spellcheck="false" required aria-describedby="plex-username-hint plex-username-error">
      <p class="hint" id="plex-username-hint">${
        family
          ? "The Plex account your household watches on (shown at the top right of Plex Web)."
          : "Your Plex account's username (shown at the top right of Plex Web)."
      }</p>
      <p class="field-error" id="plex-username-error"></p>
    </div>
${family ? familyMembersFieldset(maxMembers) : individualNameField}
    <div id="form-alert" class="alert" role="alert" data-testid="form-alert"></div>
    <div class="actions">
      <button type="submit" id="create-group" class="primary" data-testid="create-group">${family ? "Create family group" : "Continue"}</button>
    </div>
  </form>
</section>

<section id="step-authorize" data-testid="step-authorize" aria-labelledby="step-authorize-title" hidden>
  <h2 id="step-authorize-title" tabindex="-1">Step 2 of 3: Connect Trakt</h2>
  <p>${
    family
      ? "Each person presses <strong>Authorize with Trakt</strong> next to their name and signs in to <strong>their own</strong> Trakt account in the window that opens. If that window shows someone else's Trakt account, sign out of Trakt there first."
      : "Press <strong>Authorize with Trakt</strong> and sign in to your Trakt account in the window that opens."
  }</p>
  <ul class="member-status-list" id="member-status-list" data-testid="member-status-list"></ul>
  <p id="authorize-live" class="visually-hidden" role="status" aria-live="polite"></p>
  <div id="authorize-alert" class="alert" role="alert" data-testid="authorize-alert"></div>
  <div class="actions">
    <button type="button" id="continue" class="primary" data-testid="continue" aria-describedby="continue-hint" disabled>Continue</button>
    <button type="button" id="continue-anyway" class="link" data-testid="continue-anyway" hidden>Continue anyway</button>
  </div>
  <p class="hint" id="continue-hint">${
    family
      ? "Continue is available once every member is connected. Anyone who is not connected yet can do it later with a new link from the admin."
      : "Continue is available once your Trakt account is connected."
  }</p>
</section>

<section id="step-webhook" data-testid="step-webhook" aria-labelledby="step-webhook-title" hidden>
  <h2 id="step-webhook-title" tabindex="-1">Step 3 of 3: Add the webhook in Plex</h2>
  <p>Plex tells this service what ${family ? "your household watches" : "you watch"} through a webhook. Copy this URL:</p>
  <div class="field">
    <label for="webhook-url">Webhook URL</label>
    <div class="inline-row">
      <input type="text" id="webhook-url" data-testid="webhook-url" readonly spellcheck="false">
      <button type="button" id="copy-webhook" data-testid="copy-webhook">Copy</button>
    </div>
    <p class="status-text" id="copy-status" role="status" aria-live="polite" data-testid="copy-status"></p>
  </div>
  <p>Then add it in Plex, signed in as <strong id="webhook-plex-username"></strong>:</p>
  <ol class="plex-path" id="plex-path">
    <li>Plex Web → <strong>Settings</strong></li>
    <li>(your account) → <strong>Webhooks</strong></li>
    <li><strong>Add Webhook</strong> → paste the URL</li>
    <li><strong>Save Changes</strong></li>
  </ol>
  <p class="notice">Plex only sends webhooks for accounts with a <strong>Plex Pass</strong> subscription.</p>
  <div id="webhook-alert" class="alert" role="alert"></div>
  <div class="actions">
    <button type="button" id="back-to-authorize" class="link">Back to the Trakt connections</button>
  </div>
</section>`
  })
}

/** `/assets/wizard.js` */
// biome-ignore lint/complexity/noUselessStringRaw: keeps any backslash in the browser code literal
export const wizardScript = clientScript(String.raw`
const form = $("#group-form");
const mode = form.dataset.mode;
const maxMembers = Number(form.dataset.maxMembers) || 2;
const minMembers = mode === "family" ? 2 : 1;
const storageKey = "household-setup:" + mode;
const formAlert = $("#form-alert");
const authorizeAlert = $("#authorize-alert");
const authorizeLive = $("#authorize-live");
const memberList = $("#member-status-list");
const STATUS_TEXT = { pending: "Waiting for sign-in", authorized: "Connected", failed: "Failed", expired: "Expired" };

let state = null; // { groupId, plexUsername, webhookUrl, members: [{ memberId, label, status, statusReason, traktUsername, authorizeUrl }] }
let step = 1;
let pollTimer = null;
let refreshing = false;
let refreshAgain = false;

// ---- Step 1: the form -------------------------------------------------------

function memberRows() {
  return $$(".member-row", $("#member-inputs"));
}

function renumberRows() {
  if (mode !== "family") return;
  const rows = memberRows();
  rows.forEach((row, index) => {
    const n = index + 1;
    const input = $(".member-label", row);
    input.id = "member-label-" + n;
    $(".field-error", row).id = input.id + "-error";
    input.setAttribute("aria-describedby", input.id + "-error");
    const label = $("label", row);
    label.htmlFor = input.id;
    if (mode === "family") label.textContent = "Member " + n;
    const remove = $(".remove-label", row);
    if (remove) {
      remove.hidden = rows.length <= minMembers;
      remove.setAttribute("aria-label", "Remove member " + n);
    }
  });
  const add = $("#add-member");
  if (add) add.disabled = rows.length >= maxMembers;
  const count = $("#member-count");
  if (count) count.textContent = rows.length + " of " + maxMembers + " members";
}

function addMemberRow() {
  if (memberRows().length >= maxMembers) return;
  const row = $("#member-row-template").content.firstElementChild.cloneNode(true);
  $("#member-inputs").append(row);
  renumberRows();
  $(".member-label", row).focus();
}

function removeMemberRow(row) {
  if (memberRows().length <= minMembers) return;
  const rows = memberRows();
  const index = rows.indexOf(row);
  row.remove();
  renumberRows();
  const next = memberRows()[Math.max(0, index - 1)];
  if (next) $(".member-label", next).focus();
}

function clearFieldErrors() {
  for (const input of $$("#group-form input")) {
    input.removeAttribute("aria-invalid");
    const error = document.getElementById(input.id + "-error");
    if (error) error.textContent = "";
  }
}

function showFieldError(input, message) {
  input.setAttribute("aria-invalid", "true");
  const error = document.getElementById(input.id + "-error");
  if (error) error.textContent = message;
}

const inviteInput = $("#invite-code");
if (inviteInput) {
  const params = new URLSearchParams(location.search);
  const fromLink = params.get("invite");
  if (fromLink) {
    inviteInput.value = fromLink;
    // The code stays out of the address bar, the history and any shared screenshot.
    params.delete("invite");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  }
}

function validate() {
  const errors = [];
  const inviteCode = inviteInput ? inviteInput.value.trim() : undefined;
  if (inviteInput && !inviteCode) errors.push([inviteInput, "Enter the invite code from your admin."]);
  const plexInput = $("#plex-username");
  const plexUsername = plexInput.value.trim();
  if (!plexUsername) errors.push([plexInput, "Enter the Plex username of the shared account."]);
  const labels = [];
  const seen = new Set();
  for (const input of $$(".member-label", form)) {
    const label = input.value.trim();
    if (!label) errors.push([input, mode === "family" ? "Enter a name for this member, or remove the row." : "Enter your name."]);
    else if (label.length > 50) errors.push([input, "A name has at most 50 characters."]);
    else if (seen.has(label.toLowerCase())) errors.push([input, "Each member needs a different name."]);
    seen.add(label.toLowerCase());
    labels.push(label);
  }
  if (labels.length < minMembers) errors.push([$("#add-member") || plexInput, "A family needs at least " + minMembers + " members."]);
  return { errors, plexUsername, labels, inviteCode };
}

async function submitForm(event) {
  event.preventDefault();
  clearFieldErrors();
  setAlert(formAlert, "");
  const { errors, plexUsername, labels, inviteCode } = validate();
  if (errors.length > 0) {
    for (const [input, message] of errors) showFieldError(input, message);
    setAlert(formAlert, errors.length === 1 ? errors[0][1] : "Please fix the " + errors.length + " problems marked below.");
    errors[0][0].focus();
    return;
  }
  const button = $("#create-group");
  const text = button.textContent;
  button.disabled = true;
  button.textContent = "Creating…";
  try {
    const body = inviteCode === undefined ? { plexUsername, labels } : { plexUsername, labels, inviteCode };
    const created = await requestJson("POST", "/oauth/family/state", body);
    state = normalizeCreated(created, plexUsername);
    save();
    showStep(2);
  } catch (error) {
    setAlert(formAlert, error.message);
    if (inviteInput && error.tag === "OnboardingRefused") {
      showFieldError(inviteInput, error.message);
      inviteInput.focus();
    }
  } finally {
    button.disabled = false;
    button.textContent = text;
  }
}

// ---- Answers from the server, in any of the shapes it may send ---------------

function normalizeMember(raw) {
  const m = Object.assign({}, (raw && raw.member) || {}, raw || {});
  return {
    memberId: String(m.memberId || m.id || ""),
    label: String(m.label || ""),
    status: m.status || "pending",
    statusReason: m.statusReason || null,
    traktUsername: m.traktUsername || null,
    authorizeUrl: m.authorizeUrl || null
  };
}

function normalizeCreated(data, plexUsername) {
  const group = (data && data.group) || {};
  return {
    groupId: String(data.groupId || group.id || data.id || ""),
    plexUsername: data.plexUsername || group.plexUsername || plexUsername,
    webhookUrl: data.webhookUrl || group.webhookUrl || null,
    members: (data.members || []).map(normalizeMember)
  };
}

function save() {
  try { sessionStorage.setItem(storageKey, JSON.stringify({ state, step })); } catch (error) { /* private mode */ }
}

function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(storageKey) || "null");
    if (saved && saved.state && saved.state.groupId) return saved;
  } catch (error) { /* ignore */ }
  return null;
}

// ---- Steps ----------------------------------------------------------------

function showStep(n) {
  step = n;
  $("#step-details").hidden = n !== 1;
  $("#step-authorize").hidden = n !== 2;
  $("#step-webhook").hidden = n !== 3;
  for (const item of $$("#steps li")) {
    if (Number(item.dataset.step) === n) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
  }
  save();
  if (n === 2) {
    renderMembers();
    refreshStatus();
    $("#step-authorize-title").focus();
  } else {
    stopPolling();
  }
  if (n === 3) showWebhook();
}

// ---- Step 2: Trakt authorization ------------------------------------------

function memberRow(member) {
  let row = memberList.querySelector('[data-member-id="' + CSS.escape(member.memberId) + '"]');
  if (row) return row;
  row = el("li", { "data-member-id": member.memberId, "data-testid": "member-row" },
    el("span", { class: "member-name" }),
    el("span", { class: "status badge", "data-testid": "member-status" }),
    el("p", { class: "member-detail" }),
    el("button", { type: "button", class: "authorize primary", onclick: () => openAuthorize(member.memberId) },
      "Authorize with Trakt", el("span", { class: "visually-hidden" })),
    el("button", { type: "button", class: "retry", onclick: () => retryAuthorize(member.memberId) },
      "Try again", el("span", { class: "visually-hidden" })));
  memberList.append(row);
  return row;
}

function renderMembers() {
  for (const member of state.members) {
    const row = memberRow(member);
    const status = STATUS_TEXT[member.status] ? member.status : "pending";
    row.dataset.status = status;
    $(".member-name", row).textContent = member.label;
    const badge = $(".status", row);
    badge.dataset.status = status;
    badge.textContent = STATUS_TEXT[status];
    for (const hidden of $$("button .visually-hidden", row)) hidden.textContent = " for " + member.label;
    const detail = $(".member-detail", row);
    if (member.blockedUrl && status === "pending") {
      detail.replaceChildren("Your browser blocked the new window. ",
        el("a", { href: member.blockedUrl, target: "_blank", rel: "opener" }, "Open the Trakt sign-in for " + member.label));
    } else if (status === "authorized") {
      detail.textContent = member.traktUsername ? "Connected as " + member.traktUsername + " on Trakt." : "Connected to Trakt.";
    } else if (status === "failed" || status === "expired") {
      detail.textContent = (member.statusReason || (status === "expired" ? "The sign-in link expired." : "Trakt authorization did not complete.")) + " Press Try again for a new sign-in.";
    } else {
      detail.textContent = "";
    }
    $(".authorize", row).hidden = status !== "pending";
    $(".retry", row).hidden = status !== "failed" && status !== "expired";
  }
  const authorized = state.members.filter((m) => m.status === "authorized").length;
  const all = state.members.length > 0 && authorized === state.members.length;
  $("#continue").disabled = !all;
  $("#continue-anyway").hidden = all || authorized === 0;
}

function windowName(memberId) {
  return "trakt-" + memberId;
}

function findMember(memberId) {
  return state.members.find((m) => m.memberId === memberId);
}

function openAuthorize(memberId) {
  const member = findMember(memberId);
  if (!member || !member.authorizeUrl) return retryAuthorize(memberId);
  telemetry("authorize_opened", memberId);
  const popup = window.open(member.authorizeUrl, windowName(memberId), "popup,width=520,height=720");
  member.blockedUrl = popup ? null : member.authorizeUrl;
  if (popup) popup.focus();
  renderMembers();
  schedulePoll();
}

async function retryAuthorize(memberId) {
  const member = findMember(memberId);
  if (!member) return;
  setAlert(authorizeAlert, "");
  // Open the window during the click (popup blockers allow that), then send it to Trakt.
  const popup = window.open("", windowName(memberId), "popup,width=520,height=720");
  try {
    const issued = await requestJson("POST", "/oauth/family/" + enc(state.groupId) + "/members/" + enc(memberId) + "/authorization");
    const fresh = normalizeMember(issued);
    member.authorizeUrl = fresh.authorizeUrl;
    member.status = "pending";
    member.statusReason = null;
    member.blockedUrl = popup ? null : fresh.authorizeUrl;
    save();
    telemetry("authorize_opened", memberId);
    if (popup && fresh.authorizeUrl) {
      popup.location.href = fresh.authorizeUrl;
      popup.focus();
    }
  } catch (error) {
    if (popup) popup.close();
    setAlert(authorizeAlert, member.label + ": " + error.message);
  }
  renderMembers();
  schedulePoll();
}

function announceChanges(before) {
  for (const member of state.members) {
    const old = before.get(member.memberId);
    if (!old || old === member.status) continue;
    if (member.status === "authorized") {
      announce(authorizeLive, member.label + " is connected" + (member.traktUsername ? " as " + member.traktUsername : "") + ".");
    } else if (member.status === "failed" || member.status === "expired") {
      announce(authorizeLive, member.label + " is not authorized: " + (member.statusReason || member.status) + ".");
    }
  }
}

async function refreshStatus() {
  if (!state) return;
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  stopPolling();
  let stop = false;
  try {
    const data = await requestJson("GET", "/oauth/family/" + enc(state.groupId) + "/status");
    const before = new Map(state.members.map((m) => [m.memberId, m.status]));
    const list = Array.isArray(data) ? data : (data && data.members) || [];
    for (const raw of list) {
      const fresh = normalizeMember(raw);
      const member = findMember(fresh.memberId);
      if (!member) continue;
      member.status = fresh.status;
      member.statusReason = fresh.statusReason;
      member.traktUsername = fresh.traktUsername;
      if (fresh.label) member.label = fresh.label;
      if (fresh.authorizeUrl) member.authorizeUrl = fresh.authorizeUrl;
    }
    if (data && data.webhookUrl) state.webhookUrl = data.webhookUrl;
    save();
    setAlert(authorizeAlert, "");
    if (step === 2) renderMembers();
    announceChanges(before);
  } catch (error) {
    setAlert(authorizeAlert, error.message);
    stop = error.status === 404 || error.status === 410;
    if (stop) sessionStorage.removeItem(storageKey);
  } finally {
    refreshing = false;
  }
  if (refreshAgain) {
    refreshAgain = false;
    refreshStatus();
  } else if (!stop) {
    schedulePoll();
  }
}

function stopPolling() {
  clearTimeout(pollTimer);
  pollTimer = null;
}

function schedulePoll() {
  stopPolling();
  if (step === 2 && state && state.members.some((m) => m.status === "pending")) {
    pollTimer = setTimeout(refreshStatus, 1500);
  }
}

// The callback window tells us at once; polling covers the case where it cannot.
window.addEventListener("message", (event) => {
  if (event.origin !== location.origin) return;
  const data = event.data;
  if (!data || data.type !== "family-member-authorized") return;
  if (step === 2) refreshStatus();
});

window.addEventListener("focus", () => {
  if (step === 2) refreshStatus();
});

// ---- Step 3: the Plex webhook ----------------------------------------------

function showWebhook() {
  const input = $("#webhook-url");
  setAlert($("#webhook-alert"), "");
  $("#webhook-plex-username").textContent = state.plexUsername || "the shared account";
  if (state.webhookUrl) {
    input.value = new URL(state.webhookUrl, location.origin).href;
  } else {
    input.value = "";
    setAlert($("#webhook-alert"), "The server did not send a webhook URL. Please reload this page.");
  }
  $("#step-webhook-title").focus();
}

async function copyWebhook() {
  const input = $("#webhook-url");
  let copied = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(input.value);
      copied = true;
    }
  } catch (error) {
    copied = false;
  }
  if (!copied) {
    input.focus();
    input.select();
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
  }
  announce($("#copy-status"), copied ? "Copied" : "Could not copy: the URL is selected, press Ctrl+C (⌘C on a Mac).");
  if (copied) telemetry("webhook_copied");
}

// ---- Telemetry: fire and forget ---------------------------------------------

function telemetry(name, memberId) {
  if (!state) return;
  const body = { name, groupId: state.groupId };
  if (memberId) body.memberId = memberId;
  try {
    fetch("/api/telemetry", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      keepalive: true
    }).catch(() => {});
  } catch (error) { /* ignore */ }
}

// ---- Wiring -------------------------------------------------------------------

form.addEventListener("submit", submitForm);
form.addEventListener("input", (event) => {
  // A field being corrected loses its error at once.
  const input = event.target;
  if (input.getAttribute("aria-invalid") !== "true") return;
  input.removeAttribute("aria-invalid");
  const error = document.getElementById(input.id + "-error");
  if (error) error.textContent = "";
  if (!form.querySelector('[aria-invalid="true"]')) setAlert(formAlert, "");
});
const addButton = $("#add-member");
if (addButton) addButton.addEventListener("click", addMemberRow);
$("#member-inputs").addEventListener("click", (event) => {
  const button = event.target.closest(".remove-label");
  if (button) removeMemberRow(button.closest(".member-row"));
});
$("#continue").addEventListener("click", () => showStep(3));
$("#continue-anyway").addEventListener("click", () => showStep(3));
$("#back-to-authorize").addEventListener("click", () => showStep(2));
$("#copy-webhook").addEventListener("click", copyWebhook);
renumberRows();

const saved = restore();
if (saved) {
  state = saved.state;
  showStep(saved.step === 3 ? 3 : 2);
}
`)
