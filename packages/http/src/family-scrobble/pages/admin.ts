import { clientScript } from "./client.js"
import { assetPaths, layout } from "./html.js"

/** `/admin`: sign in with the admin token, list family groups, manage one group. */
export const adminPage = (): string =>
  layout({
    title: "Admin",
    scripts: [assetPaths.adminScript],
    noindex: true,
    wide: true,
    main: `<h1>Admin</h1>
<noscript><p class="alert">The admin page needs JavaScript. Please enable it and reload.</p></noscript>
<div id="admin-alert" class="alert" role="alert" data-testid="admin-alert"></div>
<p id="admin-notice" class="notice success" role="status" data-testid="admin-notice"></p>

<section id="sign-in-view" data-testid="sign-in-view" aria-labelledby="sign-in-title">
  <h2 id="sign-in-title">Sign in</h2>
  <form id="sign-in-form" novalidate>
    <div class="field">
      <label for="admin-token">Admin token</label>
      <input type="password" id="admin-token" name="token" autocomplete="current-password" spellcheck="false" required aria-describedby="admin-token-hint admin-token-error">
      <p class="hint" id="admin-token-hint">The token from the server's configuration. It is kept in this browser tab only, until you sign out or close the tab.</p>
      <p class="field-error" id="admin-token-error"></p>
    </div>
    <button type="submit" id="sign-in" class="primary" data-testid="sign-in">Sign in</button>
  </form>
</section>

<div id="signed-in" hidden>
  <div class="toolbar">
    <p class="hint">Signed in with the admin token.</p>
    <button type="button" id="sign-out" class="small" data-testid="sign-out">Sign out</button>
  </div>

  <section id="groups-view" data-testid="groups-view" aria-labelledby="groups-title" hidden>
    <div class="toolbar">
      <h2 id="groups-title" tabindex="-1">Family groups</h2>
      <button type="button" id="refresh-groups" class="small">Refresh</button>
    </div>
    <table id="groups-table" class="stack" data-testid="groups-table">
      <caption class="visually-hidden">Family groups</caption>
      <thead><tr><th scope="col">Plex user</th><th scope="col">Members</th><th scope="col">Authorized</th><th scope="col">Created</th></tr></thead>
      <tbody id="groups-body"></tbody>
    </table>
    <p id="no-groups" hidden>No family groups yet. One appears here when someone completes the first step of the <a href="/">setup</a>, or when you create one below.</p>

    <h3 id="create-group-title">Create a group</h3>
    <form id="create-group-form" novalidate aria-labelledby="create-group-title">
      <div class="field">
        <label for="create-plex-username">Plex username of the shared account</label>
        <input type="text" id="create-plex-username" name="plexUsername" maxlength="100" autocomplete="off" autocapitalize="none" spellcheck="false" required aria-describedby="create-plex-username-error">
        <p class="field-error" id="create-plex-username-error"></p>
      </div>
      <div class="field">
        <label for="create-labels">Members</label>
        <input type="text" id="create-labels" name="labels" autocomplete="off" required aria-describedby="create-labels-hint create-labels-error">
        <p class="hint" id="create-labels-hint">Names separated by commas, for example: Mum, Dad, Sam.</p>
        <p class="field-error" id="create-labels-error"></p>
      </div>
      <button type="submit" id="create-group-submit" class="primary" data-testid="create-group-submit">Create group</button>
    </form>

    <div class="toolbar">
      <h3 id="invites-title" tabindex="-1">Invites</h3>
    </div>
    <p class="hint">With onboarding set to <code>invite</code>, a household needs one of these single-use codes to create its group. A code is shown once, when you make it.</p>
    <form id="create-invite-form" novalidate>
      <label for="invite-note">Note (for you: who it is for)</label>
      <div class="inline-row">
        <input type="text" id="invite-note" name="note" maxlength="200" autocomplete="off" aria-describedby="invite-note-error">
        <button type="submit" id="create-invite-submit" class="primary" data-testid="create-invite-submit">Make invite</button>
      </div>
      <p class="field-error" id="invite-note-error"></p>
    </form>
    <div id="invite-link" class="notice" role="status" data-testid="invite-link"></div>
    <table id="invites-table" class="stack" data-testid="invites-table" aria-labelledby="invites-title">
      <thead><tr><th scope="col">Note</th><th scope="col">State</th><th scope="col">Expires</th><th scope="col">Actions</th></tr></thead>
      <tbody id="invites-body"></tbody>
    </table>
    <p id="no-invites" class="hint" hidden>No invites.</p>
  </section>

  <section id="group-view" data-testid="group-view" aria-labelledby="group-title" hidden>
    <p><a href="#/" id="back-to-groups">← All family groups</a></p>
    <h2 id="group-title" tabindex="-1" data-testid="group-title"></h2>
    <dl class="kv">
      <dt>Created</dt><dd id="group-created"></dd>
      <dt>Webhook URL</dt><dd><code id="group-webhook-url" data-testid="group-webhook-url"></code></dd>
      <dt>Retry queue</dt><dd id="queue-depth" data-testid="queue-depth"></dd>
    </dl>

    <h3 id="members-title" tabindex="-1">Members</h3>
    <table id="members-table" class="stack" data-testid="members-table" aria-labelledby="members-title">
      <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Trakt user</th><th scope="col">Token expires</th><th scope="col">Actions</th></tr></thead>
      <tbody id="members-body"></tbody>
    </table>
    <div id="authorization-link" class="notice" role="status" data-testid="authorization-link"></div>

    <h3>Add member</h3>
    <form id="add-member-form" novalidate>
      <label for="add-member-label">Name of the new member</label>
      <div class="inline-row">
        <input type="text" id="add-member-label" name="label" maxlength="50" autocomplete="off" required aria-describedby="add-member-label-error">
        <button type="submit" id="add-member-submit" class="primary" data-testid="add-member-submit">Add member</button>
      </div>
      <p class="field-error" id="add-member-label-error"></p>
    </form>

    <h3 id="notifications-title" tabindex="-1">Notifications</h3>
    <ul id="notifications" class="notifications" data-testid="notifications"></ul>
    <p id="no-notifications" class="hint" hidden>No notifications.</p>

    <h3>Delete group</h3>
    <p>Deleting stops scrobbling for this Plex account and forgets every member's Trakt sign-in.</p>
    <div id="delete-group-area" class="actions">
      <button type="button" id="delete-group" class="danger" data-testid="delete-group">Delete group</button>
    </div>
    <div id="delete-group-confirm" class="confirm" hidden>
      <span>Delete this group for good?</span>
      <button type="button" id="confirm-delete-group" class="danger primary" data-testid="confirm-delete-group">Yes, delete group</button>
      <button type="button" id="cancel-delete-group">Cancel</button>
    </div>
  </section>
</div>`
  })

/** `/assets/admin.js` */
export const adminScript = clientScript(String.raw`
const TOKEN_KEY = "household-admin-token";
const alertRegion = $("#admin-alert");
const noticeRegion = $("#admin-notice");
const STATUS_TEXT = { pending: "Waiting for sign-in", authorized: "Connected", failed: "Failed", expired: "Expired" };
const KIND_TEXT = {
  permanent_failure: "Scrobble not delivered",
  token_expired: "Trakt sign-in expired",
  member_needs_attention: "Member needs attention",
  member_added: "Member added",
  member_removed: "Member removed"
};

let token = "";
try { token = sessionStorage.getItem(TOKEN_KEY) || ""; } catch (error) { token = ""; }
let group = null;
let flash = ""; // a success message to show after the next hash change

// ---- Requests ----------------------------------------------------------------

async function adminApi(method, path, body) {
  try {
    return await requestJson(method, path, body, { authorization: "Bearer " + token });
  } catch (error) {
    if (error.status === 401) {
      signOut("Wrong or missing admin token");
      error.handled = true;
    }
    throw error;
  }
}

function groupPath(id) {
  return "/admin/api/family-groups/" + enc(id);
}

/** Run an action from a button: clear the error, disable the button meanwhile, show errors. */
async function act(button, work) {
  setAlert(alertRegion, "");
  if (button) {
    noticeRegion.textContent = "";
    button.disabled = true;
  }
  try {
    await work();
  } catch (error) {
    if (!error.handled) setAlert(alertRegion, error.message);
  } finally {
    if (button && button.isConnected) button.disabled = false;
  }
}

// ---- Sign in / out -------------------------------------------------------------

function signOut(message) {
  token = "";
  group = null;
  try { sessionStorage.removeItem(TOKEN_KEY); } catch (error) { /* ignore */ }
  $("#signed-in").hidden = true;
  $("#sign-in-view").hidden = false;
  noticeRegion.textContent = "";
  setAlert(alertRegion, message || "");
  const input = $("#admin-token");
  input.value = "";
  if (message) input.setAttribute("aria-invalid", "true");
  input.focus();
}

$("#sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("#admin-token");
  const value = input.value.trim();
  if (!value) {
    input.setAttribute("aria-invalid", "true");
    $("#admin-token-error").textContent = "Enter the admin token.";
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  $("#admin-token-error").textContent = "";
  input.value = "";
  token = value;
  try { sessionStorage.setItem(TOKEN_KEY, token); } catch (error) { /* kept in memory only */ }
  setAlert(alertRegion, "");
  route(true);
});

// A field being corrected loses its error at once.
document.addEventListener("input", (event) => {
  const input = event.target;
  if (input.getAttribute("aria-invalid") !== "true") return;
  input.removeAttribute("aria-invalid");
  const error = document.getElementById(input.id + "-error");
  if (error) error.textContent = "";
});

$("#sign-out").addEventListener("click", () => {
  signOut("");
  noticeRegion.textContent = "Signed out.";
});

// ---- Views ---------------------------------------------------------------------

function showView(name) {
  $("#sign-in-view").hidden = true;
  $("#signed-in").hidden = false;
  $("#groups-view").hidden = name !== "groups";
  $("#group-view").hidden = name !== "group";
}

function route(moveFocus) {
  if (!token) {
    $("#sign-in-view").hidden = false;
    $("#signed-in").hidden = true;
    return;
  }
  const match = /^#\/groups\/([^/]+)$/.exec(location.hash);
  if (match) {
    if (!group || group.id !== decodeURIComponent(match[1])) $("#authorization-link").textContent = "";
    act(null, () => loadGroup(decodeURIComponent(match[1]), moveFocus));
  } else {
    act(null, () => loadGroups(moveFocus));
  }
}

window.addEventListener("hashchange", () => {
  setAlert(alertRegion, "");
  noticeRegion.textContent = flash;
  flash = "";
  route(true);
});

async function loadGroups(moveFocus) {
  const data = await adminApi("GET", "/admin/api/family-groups");
  const groups = (data && data.groups) || [];
  const body = $("#groups-body");
  body.replaceChildren(...groups.map((g) =>
    el("tr", { class: "group-row", "data-group-id": g.id, "data-testid": "group-row" },
      el("th", { scope: "row", "data-label": "Plex user" },
        el("a", { class: "open-group", href: "#/groups/" + enc(g.id) }, g.plexUsername)),
      el("td", { "data-label": "Members" }, String(g.memberCount)),
      el("td", { "data-label": "Authorized" }, g.authorizedCount + " of " + g.memberCount),
      el("td", { "data-label": "Created" }, formatDate(g.createdAt)))));
  $("#groups-table").hidden = groups.length === 0;
  $("#no-groups").hidden = groups.length > 0;
  await loadInvites();
  showView("groups");
  if (moveFocus) $("#groups-title").focus();
}

const INVITE_STATE_TEXT = { unused: "Unused", used: "Used", expired: "Expired" };

async function loadInvites() {
  const data = await adminApi("GET", "/admin/api/invites");
  const invites = (data && data.invites) || [];
  $("#invites-body").replaceChildren(...invites.map((i) => {
    const state = INVITE_STATE_TEXT[i.state] ? i.state : "unused";
    return el("tr", { "data-invite-id": i.id, "data-testid": "invite-row", "data-state": state },
      el("th", { scope: "row", "data-label": "Note" }, i.note || "—"),
      el("td", { "data-label": "State" },
        el("span", { class: "status badge", "data-state": state }, INVITE_STATE_TEXT[state]),
        state === "used" && i.groupId ? el("a", { class: "hint", href: "#/groups/" + enc(i.groupId) }, " its group") : null),
      el("td", { "data-label": "Expires" }, formatDate(i.expiresAt)),
      el("td", { "data-label": "Actions" }, el("button", {
        type: "button", class: "revoke-invite danger small", "aria-label": "Revoke the invite " + (i.note || formatDate(i.createdAt)),
        onclick: (event) => act(event.currentTarget, async () => {
          await adminApi("DELETE", "/admin/api/invites/" + enc(i.id));
          await loadInvites();
          noticeRegion.textContent = "The invite was revoked.";
          $("#invites-title").focus();
        })
      }, "Revoke")));
  }));
  $("#invites-table").hidden = invites.length === 0;
  $("#no-invites").hidden = invites.length > 0;
}

$("#create-invite-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("#invite-note");
  const note = input.value.trim();
  act($("#create-invite-submit"), async () => {
    const created = await adminApi("POST", "/admin/api/invites", note ? { note } : {});
    input.value = "";
    await loadInvites();
    $("#invite-link").replaceChildren(
      el("p", {}, "Send this link" + (created.note ? " to " + created.note : "") + " (single use, valid until " + formatDate(created.expiresAt) + "). It is shown only now:"),
      el("p", {}, el("a", { href: created.inviteUrl, id: "invite-link-url", class: "mono", target: "_blank", rel: "noopener" }, created.inviteUrl)),
      el("p", { class: "hint" }, "Code: ", el("code", { id: "invite-code-value" }, created.code)));
  });
});

let createdLinks = null; // the links of a group just created, shown on its page

$("#create-group-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const plexInput = $("#create-plex-username");
  const labelsInput = $("#create-labels");
  const plexUsername = plexInput.value.trim();
  const labels = labelsInput.value.split(",").map((l) => l.trim()).filter((l) => l.length > 0);
  let first = null;
  for (const [input, bad, message] of [
    [plexInput, !plexUsername, "Enter the Plex username."],
    [labelsInput, labels.length === 0, "Enter at least one member name."]
  ]) {
    const error = document.getElementById(input.id + "-error");
    if (bad) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = message;
      first = first || input;
    } else {
      input.removeAttribute("aria-invalid");
      error.textContent = "";
    }
  }
  if (first) { first.focus(); return; }
  act($("#create-group-submit"), async () => {
    const created = await adminApi("POST", "/admin/api/family-groups", { plexUsername, labels });
    plexInput.value = "";
    labelsInput.value = "";
    createdLinks = created.members || [];
    flash = "The group of Plex user " + plexUsername + " was created.";
    location.hash = "#/groups/" + enc(created.groupId);
  });
});

async function loadGroup(id, moveFocus) {
  group = await adminApi("GET", groupPath(id));
  renderGroup();
  if (createdLinks) {
    $("#authorization-link").replaceChildren(
      el("p", {}, "Send each member their link to connect their Trakt account:"),
      el("ul", {}, ...createdLinks.map((m) => el("li", {}, m.label + ": ",
        el("a", { href: m.authorizeUrl, class: "mono created-authorize-url", target: "_blank", rel: "noopener" }, m.authorizeUrl)))));
    createdLinks = null;
  }
  showView("group");
  if (moveFocus) $("#group-title").focus();
}

function reloadGroup() {
  return loadGroup(group.id, false);
}

function renderGroup() {
  $("#group-title").textContent = "Plex user " + group.plexUsername;
  $("#group-created").textContent = formatDate(group.createdAt);
  $("#group-webhook-url").textContent = group.webhookUrl ? new URL(group.webhookUrl, location.origin).href : "—";
  const queue = group.queue || { queued: 0, retrying: 0, permanentFailure: 0 };
  const depth = $("#queue-depth");
  depth.dataset.queued = queue.queued;
  depth.dataset.retrying = queue.retrying;
  depth.dataset.permanentFailure = queue.permanentFailure;
  depth.textContent = queue.queued + " queued, " + queue.retrying + " retrying, " + queue.permanentFailure + " failed for good";
  renderMembers();
  renderNotifications();
  $("#delete-group-area").hidden = false;
  $("#delete-group-confirm").hidden = true;
}

function renderMembers() {
  $("#members-body").replaceChildren(...group.members.map((m) => {
    const status = STATUS_TEXT[m.status] ? m.status : "pending";
    const actions = el("td", { class: "member-actions", "data-label": "Actions" }, memberButtons(m));
    return el("tr", { "data-member-id": m.id, "data-testid": "member-row", "data-status": status },
      el("th", { scope: "row", "data-label": "Name" }, m.label),
      el("td", { "data-label": "Status" },
        el("span", { class: "status badge", "data-status": status }, STATUS_TEXT[status]),
        m.statusReason ? el("span", { class: "hint member-reason" }, " " + m.statusReason) : null),
      el("td", { "data-label": "Trakt user" }, m.traktUsername || "—"),
      el("td", { "data-label": "Token expires" }, formatDate(m.tokenExpiresAt)),
      actions);
  }));
}

function memberButtons(m) {
  return el("div", { class: "cell-actions" },
    m.status === "authorized" ? null : el("button", {
      type: "button", class: "new-authorization small", "aria-label": "New authorization link for " + m.label,
      onclick: (event) => act(event.currentTarget, () => newAuthorization(m))
    }, "New authorization link"),
    el("button", {
      type: "button", class: "remove-member danger small", "aria-label": "Remove " + m.label,
      onclick: (event) => askRemove(event.currentTarget.closest("td"), m)
    }, "Remove"));
}

function askRemove(cell, m) {
  const cancel = el("button", { type: "button", class: "cancel-remove small", onclick: () => {
    cell.replaceChildren(memberButtons(m));
    $(".remove-member", cell).focus();
  } }, "Cancel");
  cell.replaceChildren(el("div", { class: "confirm" },
    el("span", {}, "Remove " + m.label + "?"),
    el("button", {
      type: "button", class: "confirm-remove danger primary small",
      onclick: (event) => act(event.currentTarget, () => removeMember(m))
    }, "Yes, remove"),
    cancel));
  cancel.focus();
}

async function removeMember(m) {
  const result = await adminApi("DELETE", groupPath(group.id) + "/members/" + enc(m.id));
  const dropped = (result && result.droppedRetries) || 0;
  await reloadGroup();
  noticeRegion.textContent = m.label + " was removed." + (dropped > 0 ? " " + dropped + " pending scrobble retries were dropped." : "");
  $("#members-title").focus();
}

function showAuthorizationLink(label, issued) {
  $("#authorization-link").replaceChildren(
    el("p", {}, "Send this link to " + label + " to connect their Trakt account" +
      (issued.expiresAt ? " (valid until " + formatDate(issued.expiresAt) + ")" : "") + ":"),
    el("p", {}, el("a", { href: issued.authorizeUrl, id: "authorization-link-url", class: "mono", target: "_blank", rel: "noopener" }, issued.authorizeUrl)));
}

async function newAuthorization(m) {
  const issued = await adminApi("POST", groupPath(group.id) + "/members/" + enc(m.id) + "/authorization");
  await reloadGroup();
  showAuthorizationLink(m.label, issued);
}

$("#add-member-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("#add-member-label");
  const label = input.value.trim();
  const error = $("#add-member-label-error");
  if (!label) {
    input.setAttribute("aria-invalid", "true");
    error.textContent = "Enter a name for the new member.";
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  error.textContent = "";
  act($("#add-member-submit"), async () => {
    const added = await adminApi("POST", groupPath(group.id) + "/members", { label });
    input.value = "";
    await reloadGroup();
    showAuthorizationLink(added.label || label, added);
  });
});

function renderNotifications() {
  const labels = new Map(group.members.map((m) => [m.id, m.label]));
  const items = (group.notifications || []).slice().sort((a, b) => Number(Boolean(a.dismissedAt)) - Number(Boolean(b.dismissedAt)));
  $("#notifications").replaceChildren(...items.map((n) => el("li",
    { "data-notification-id": n.id, "data-testid": "notification", class: n.dismissedAt ? "dismissed" : null },
    el("strong", {}, KIND_TEXT[n.kind] || n.kind),
    el("p", { class: "meta" }, formatDate(n.createdAt) +
      (n.memberId && labels.has(n.memberId) ? " · " + labels.get(n.memberId) : "") +
      (n.dismissedAt ? " · dismissed " + formatDate(n.dismissedAt) : "")),
    el("p", {}, n.message),
    n.dismissedAt ? null : el("button", {
      type: "button", class: "dismiss-notification small", "aria-label": "Dismiss: " + (KIND_TEXT[n.kind] || n.kind),
      onclick: (event) => act(event.currentTarget, async () => {
        await adminApi("POST", groupPath(group.id) + "/notifications/" + enc(n.id) + "/dismiss");
        await reloadGroup();
        $("#notifications-title").focus();
      })
    }, "Dismiss"))));
  $("#no-notifications").hidden = items.length > 0;
}

$("#delete-group").addEventListener("click", () => {
  $("#delete-group-area").hidden = true;
  $("#delete-group-confirm").hidden = false;
  $("#cancel-delete-group").focus();
});
$("#cancel-delete-group").addEventListener("click", () => {
  $("#delete-group-confirm").hidden = true;
  $("#delete-group-area").hidden = false;
  $("#delete-group").focus();
});
$("#confirm-delete-group").addEventListener("click", (event) => act(event.currentTarget, async () => {
  const name = group.plexUsername;
  await adminApi("DELETE", groupPath(group.id));
  group = null;
  flash = "The group of Plex user " + name + " was deleted.";
  location.hash = "#/";
}));
$("#refresh-groups").addEventListener("click", (event) => act(event.currentTarget, () => loadGroups(false)));

route(false);
`)
