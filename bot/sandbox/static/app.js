// Sandbox chat page: one person (#user=ID) or several side by side (#panes=ID,ID,ID),
// each pane long-polling the people's API on its own. No build step, no outside assets.
"use strict";

const API = "/sandbox/api";
const $ = (id) => document.getElementById(id);
const BOTTOM_SLACK = 40; // px from the bottom that still counts as "at the bottom"

const page = {
  panes: [],       // Pane objects, in display order
  people: [],      // last /people answer
  info: null,      // /info answer
  places: null,    // /places answer (location picker)
};

// ---------------------------------------------------------------- API helpers
class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: {} };
  if (options.json !== undefined) {
    init.method = options.method || "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    init.method = "POST";
    init.body = options.form;
  }
  const response = await fetch(API + path, init);
  let body;
  try {
    body = await response.json();
  } catch (error) {
    throw new ApiError(response.statusText || "bad answer", response.status);
  }
  if (!body.ok) throw new ApiError(body.error || response.statusText, response.status);
  return body.result;
}

function personName(person) {
  return [person.first_name, person.last_name].filter(Boolean).join(" ");
}

// ---------------------------------------------------------------- entity rendering
// Entities use UTF-16 offsets, which are exactly JavaScript string indices. Everything
// is built with DOM nodes and textContent, so bot text can never inject markup.
function safeUrl(url) {
  return /^(https?:|tg:)/i.test(url || "") ? url : null;
}

function entityNode(entity) {
  switch (entity.type) {
    case "bold": return document.createElement("b");
    case "italic": return document.createElement("i");
    case "underline": return document.createElement("u");
    case "strikethrough": return document.createElement("s");
    case "code": return document.createElement("code");
    case "pre": {
      const pre = document.createElement("pre");
      if (entity.language) pre.dataset.language = entity.language;
      return pre;
    }
    case "blockquote":
    case "expandable_blockquote": return document.createElement("blockquote");
    case "spoiler": {
      const span = document.createElement("span");
      span.className = "spoiler";
      span.addEventListener("click", () => span.classList.add("shown"));
      return span;
    }
    case "text_link": {
      const a = document.createElement("a");
      const url = safeUrl(entity.url);
      if (url) a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.title = entity.url || "";
      return a;
    }
    default: return document.createElement("span");
  }
}

function renderRange(parent, text, start, end, entities) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const eStart = Math.max(entity.offset, pos);
    const eEnd = Math.min(entity.offset + entity.length, end);
    if (eStart > pos) parent.appendChild(document.createTextNode(text.slice(pos, eStart)));
    // Children: entities that start inside this one.
    const inner = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < entity.offset + entity.length) {
      inner.push(entities[j]);
      j += 1;
    }
    const node = entityNode(entity);
    renderRange(node, text, eStart, eEnd, inner);
    parent.appendChild(node);
    pos = Math.max(pos, eEnd);
    i = j;
  }
  if (pos < end) parent.appendChild(document.createTextNode(text.slice(pos, end)));
}

function renderText(text, entities) {
  const container = document.createElement("div");
  const sorted = (entities || [])
    .filter((e) => e.type !== "bot_command")
    .slice()
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  renderRange(container, text, 0, text.length, sorted);
  return container;
}

// ---------------------------------------------------------------- conversation
function fileLink(fileId, label) {
  const a = document.createElement("a");
  a.href = `${API}/files/${encodeURIComponent(fileId)}`;
  a.target = "_blank";
  a.rel = "noopener";
  a.textContent = label;
  return a;
}

function renderAttachment(message) {
  const box = document.createElement("div");
  box.className = "attachment";
  if (message.document) {
    const doc = message.document;
    box.append("📄 ", fileLink(doc.file_id, doc.file_name || "file"),
      ` · ${Math.max(1, Math.round((doc.file_size || 0) / 1024))} KB`);
  } else if (message.photo) {
    const best = message.photo[message.photo.length - 1];
    const img = document.createElement("img");
    img.className = "photo";
    img.alt = "photo";
    img.src = `${API}/files/${encodeURIComponent(best.file_id)}`;
    const link = fileLink(best.file_id, "");
    link.appendChild(img);
    return link;
  } else if (message.sticker) {
    box.textContent = `${message.sticker.emoji || "🖼"} sticker`;
  } else if (message.contact) {
    const c = message.contact;
    box.textContent = `👤 ${c.first_name}${c.last_name ? " " + c.last_name : ""} · ${c.phone_number}`;
  } else if (message.location) {
    const l = message.location;
    box.textContent = `📍 ${l.latitude.toFixed(5)}, ${l.longitude.toFixed(5)}`;
  } else {
    return null;
  }
  return box;
}

// ---------------------------------------------------------------- one chat pane
class Pane {
  constructor(userId, closable) {
    this.userId = userId;
    this.version = null;
    this.alive = true;
    this.conversation = null;
    this.stick = true;       // keep the newest message in view
    this.lastCount = 0;
    this.root = $("pane-template").content.firstElementChild.cloneNode(true);
    this.root.dataset.user = String(userId);
    const q = (selector) => this.root.querySelector(selector);
    this.el = {
      title: q(".chat-title"), sub: q(".chat-sub"), block: q(".block-btn"), close: q(".close-pane"),
      messages: q(".messages"), jump: q(".jump"), toast: q(".toast"), keyboard: q(".reply-keyboard"),
      menu: q(".menu-popup"), composer: q(".composer"), input: q(".text-input"), file: q(".file-input"),
    };
    this.el.close.hidden = !closable;
    this.wire(q);
    // The list shrinks when a reply keyboard appears, grows when it goes, and images load
    // late: whenever its size changes, the newest message stays in view if it was.
    this.resizer = new ResizeObserver(() => { if (this.stick) this.toBottom(); });
    this.resizer.observe(this.el.messages);
  }

  path(action) { return `/people/${this.userId}/${action}`; }

  start() { this.poll(); }

  destroy() {
    this.alive = false;
    this.resizer.disconnect();
    this.root.remove();
  }

  // --- scrolling
  atBottom() {
    const list = this.el.messages;
    return list.scrollHeight - list.scrollTop - list.clientHeight < BOTTOM_SLACK;
  }

  toBottom() {
    const list = this.el.messages;
    list.scrollTop = list.scrollHeight;
    this.stick = true;
    this.el.jump.hidden = true;
  }

  // --- toasts (inside the pane, under its header: they never cover whose chat it is)
  toast(text, alertMode) {
    if (alertMode) {
      window.alert(text);
      return;
    }
    const box = this.el.toast;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { box.hidden = true; }, 3500);
  }

  fail(error) { this.toast("⚠ " + error.message); }

  async act(action, json) {
    try {
      return await api(this.path(action), { json });
    } catch (error) {
      this.fail(error);
      return null;
    }
  }

  // --- polling
  async poll() {
    let failures = 0;
    while (this.alive) {
      try {
        const query = this.version === null ? "" : `?since=${this.version}&wait=25`;
        const conv = await api(`${this.path("conversation")}${query}`);
        if (!this.alive) return;
        failures = 0;
        if (this.version !== conv.version) {
          this.version = conv.version;
          // The version is the whole sandbox's: re-draw only when this chat changed (a
          // re-draw would drop a selection or a revealed spoiler for nothing).
          const signature = JSON.stringify([
            conv.person, conv.messages, conv.reply_keyboard, conv.command_menu,
          ]);
          if (signature !== this.signature) {
            this.signature = signature;
            this.render(conv);
          }
          refreshPeopleSoon();
        }
      } catch (error) {
        if (!this.alive) return;
        failures += 1;
        this.showProblem(error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * failures, 5000)));
      }
    }
  }

  showProblem(error) {
    this.el.title.textContent = error instanceof ApiError && error.status === 404
      ? `Person ${this.userId} is not in this sandbox`
      : "The sandbox is not answering; retrying…";
    this.el.sub.textContent = error instanceof ApiError && error.status === 404
      ? "Create them on the left (same id), or pick someone else."
      : error.message;
    this.el.composer.hidden = true;
    this.version = null;
    this.signature = null;
  }

  // --- rendering
  render(conv) {
    this.conversation = conv;
    const person = conv.person;
    this.el.title.textContent = personName(person);
    this.renderSub();
    this.el.block.hidden = false;
    this.el.block.textContent = person.blocked ? "Unblock bot" : "Block bot";
    this.el.composer.hidden = false;
    this.root.lang = person.language_code || "ru";

    const list = this.el.messages;
    const stick = this.stick || this.atBottom();
    const keep = list.scrollTop;
    const grew = conv.messages.length > this.lastCount;
    this.lastCount = conv.messages.length;
    list.replaceChildren();
    if (!conv.messages.length) {
      const hint = document.createElement("div");
      hint.className = "system";
      hint.textContent = "No messages yet — send /start.";
      list.appendChild(hint);
    }
    for (const message of conv.messages) list.appendChild(this.renderMessage(message));
    // The keyboard first: it changes the list's height, and the scroll must come after.
    this.renderReplyKeyboard(conv.reply_keyboard);
    this.renderMenu(conv.command_menu);
    if (stick) {
      this.toBottom();
    } else {
      list.scrollTop = keep;
      if (grew) this.el.jump.hidden = false;
    }
  }

  renderSub() {
    if (!this.conversation) return;
    const person = this.conversation.person;
    const parts = [`id ${person.id}`, person.language_code || "no language"];
    if (person.username) parts.push("@" + person.username);
    const role = roleOf(person.id);
    if (role) parts.push(role);
    parts.push(person.blocked ? "bot blocked" : person.started ? "chat started" : "not started");
    this.el.sub.textContent = parts.join(" · ");
  }

  renderMessage(message) {
    const fragment = document.createDocumentFragment();
    const bubble = document.createElement("div");
    bubble.className = "msg " + (message.from_bot ? "bot" : "me");
    bubble.dataset.id = String(message.message_id);
    const attachment = renderAttachment(message);
    if (attachment) {
      for (const img of attachment.querySelectorAll ? attachment.querySelectorAll("img") : []) {
        img.addEventListener("load", () => { if (this.stick) this.toBottom(); });
      }
      bubble.appendChild(attachment);
    }
    if (message.text !== null) bubble.appendChild(renderText(message.text, message.entities));
    if (message.caption) bubble.appendChild(renderText(message.caption, message.caption_entities));
    const meta = document.createElement("div");
    meta.className = "meta";
    const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    meta.textContent = (message.edited ? "edited · " : "") + time;
    bubble.appendChild(meta);
    fragment.appendChild(bubble);
    if (message.inline_keyboard && message.inline_keyboard.length) {
      fragment.appendChild(this.renderInlineKeyboard(message));
    }
    return fragment;
  }

  renderInlineKeyboard(message) {
    const keyboard = document.createElement("div");
    keyboard.className = "inline-keyboard";
    for (const row of message.inline_keyboard) {
      const rowBox = document.createElement("div");
      rowBox.className = "inline-row";
      for (const button of row) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = button.text + (button.url ? " ↗" : "");
        b.addEventListener("click", () => this.pressButton(message, button));
        rowBox.appendChild(b);
      }
      keyboard.appendChild(rowBox);
    }
    return keyboard;
  }

  renderReplyKeyboard(keyboard) {
    const box = this.el.keyboard;
    box.replaceChildren();
    box.hidden = !keyboard;
    this.el.input.placeholder = (keyboard && keyboard.placeholder) || "Message";
    if (!keyboard) return;
    for (const row of keyboard.rows) {
      const rowBox = document.createElement("div");
      rowBox.className = "reply-row";
      for (const button of row) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = button.text;
        if (button.request_contact) b.title = "Shares your phone number with the bot";
        if (button.request_location) b.title = "Pick a point to share with the bot";
        if (b.title) b.className = "request";
        b.addEventListener("click", () => {
          this.stick = true;
          if (button.request_location) pickLocation(this);
          else this.act("tap", { label: button.text });
        });
        rowBox.appendChild(b);
      }
      box.appendChild(rowBox);
    }
  }

  renderMenu(commands) {
    const popup = this.el.menu;
    popup.replaceChildren();
    if (!commands.length) {
      const empty = document.createElement("div");
      empty.className = "empty";
      empty.textContent = "The bot has no command menu for this person.";
      popup.appendChild(empty);
    }
    for (const command of commands) {
      const row = document.createElement("div");
      row.className = "cmd";
      const name = document.createElement("b");
      name.textContent = "/" + command.command;
      const description = document.createElement("span");
      description.textContent = command.description;
      row.append(name, description);
      row.addEventListener("click", () => {
        popup.hidden = true;
        this.stick = true;
        this.act("text", { text: "/" + command.command });
      });
      popup.appendChild(row);
    }
  }

  // --- actions
  async pressButton(message, button) {
    if (button.url) {
      const url = safeUrl(button.url);
      if (url) window.open(url, "_blank", "noopener");
      return;
    }
    if (button.callback_data === undefined) {
      this.toast("This kind of button does nothing in the sandbox");
      return;
    }
    this.stick = true;
    const result = await this.act("press", {
      data: button.callback_data,
      message_id: message.message_id,
      timeout: 10,
    });
    if (!result) return;
    if (result.answer === null) this.toast("The bot did not answer the callback query");
    else if (result.answer.text) this.toast(result.answer.text, result.answer.show_alert);
  }

  neighbour(step) {
    const index = page.panes.indexOf(this) + step;
    const other = page.panes[index];
    if (other) other.root.scrollIntoView({ behavior: "smooth", inline: "start", block: "nearest" });
  }

  wire(q) {
    this.el.messages.addEventListener("scroll", () => {
      this.stick = this.atBottom();
      if (this.stick) this.el.jump.hidden = true;
    });
    this.el.jump.addEventListener("click", () => this.toBottom());
    this.el.composer.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = this.el.input.value;
      if (!text.trim()) return;
      this.el.input.value = "";
      this.stick = true;
      await this.act("text", { text });
    });
    q(".menu-btn").addEventListener("click", () => { this.el.menu.hidden = !this.el.menu.hidden; });
    q(".attach-btn").addEventListener("click", () => this.el.file.click());
    this.el.file.addEventListener("change", async () => {
      const file = this.el.file.files[0];
      this.el.file.value = "";
      if (!file) return;
      const asPhoto = file.type.startsWith("image/") && window.confirm("Send as a photo? (Cancel sends it as a file)");
      const form = new FormData();
      form.append("file", file, file.name);
      const caption = window.prompt("Caption (optional)", "") || "";
      if (caption) form.append("caption", caption);
      this.stick = true;
      try {
        await api(this.path(asPhoto ? "photo" : "document"), { form });
      } catch (error) {
        this.fail(error);
      }
    });
    q(".contact-btn").addEventListener("click", () => { this.stick = true; this.act("contact", { own: true }); });
    q(".other-contact-btn").addEventListener("click", () => {
      const phone = window.prompt("Phone number of the contact", "+7");
      if (!phone) return;
      const name = window.prompt("Contact's first name", "Contact") || "Contact";
      this.stick = true;
      this.act("contact", { own: false, phone, first_name: name });
    });
    q(".location-btn").addEventListener("click", () => pickLocation(this));
    this.el.block.addEventListener("click", () => {
      const blocked = this.conversation && this.conversation.person.blocked;
      this.act(blocked ? "unblock" : "block", {});
    });
    // Phones show one pane at a time (they swipe); these step to the neighbours.
    q(".pane-prev").addEventListener("click", () => this.neighbour(-1));
    q(".pane-next").addEventListener("click", () => this.neighbour(1));
    this.el.close.addEventListener("click", () => {
      setLayout(page.panes.map((p) => p.userId).filter((id) => id !== this.userId));
    });
  }
}

// ---------------------------------------------------------------- location picker
function pointNear(place) {
  // A random point within a fifth of the territory's radius (at most 3 km) of its centre.
  const km = Math.min((place.radius_km || 5) / 5, 3) * Math.sqrt(Math.random());
  const angle = Math.random() * 2 * Math.PI;
  const lat = place.lat + (km / 111.32) * Math.cos(angle);
  const lon = place.lon + (km / (111.32 * Math.cos((place.lat * Math.PI) / 180))) * Math.sin(angle);
  return [Number(lat.toFixed(6)), Number(lon.toFixed(6))];
}

async function loadPlaces() {
  if (page.places) return page.places;
  try {
    page.places = await api("/places");
  } catch (error) {
    const [lat, lon] = (page.info && page.info.default_location) || [51.128207, 71.430411];
    page.places = [{ name: "Default", lat, lon, radius_km: 5 }];
  }
  const select = $("place-select");
  select.replaceChildren();
  page.places.forEach((place, index) => {
    const option = document.createElement("option");
    option.value = String(index);
    option.textContent = place.name;
    select.appendChild(option);
  });
  const saved = Number(localStorage.getItem("sandbox.place") || "0");
  select.value = String(saved < page.places.length ? saved : 0);
  return page.places;
}

function fillPoint() {
  const place = page.places[Number($("place-select").value) || 0];
  const [lat, lon] = pointNear(place);
  $("lat-input").value = String(lat);
  $("lon-input").value = String(lon);
}

async function pickLocation(pane) {
  await loadPlaces();
  fillPoint();
  const dialog = $("location-dialog");
  dialog.pane = pane;
  dialog.showModal();
  $("lat-input").focus();
}

function wireLocationDialog() {
  const dialog = $("location-dialog");
  $("place-select").addEventListener("change", () => {
    localStorage.setItem("sandbox.place", $("place-select").value);
    fillPoint();
  });
  $("another-point").addEventListener("click", fillPoint);
  $("location-cancel").addEventListener("click", () => dialog.close());
  $("location-form").addEventListener("submit", (event) => {
    const latitude = Number($("lat-input").value);
    const longitude = Number($("lon-input").value);
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
      event.preventDefault();
      return;
    }
    const pane = dialog.pane;
    if (pane) {
      pane.stick = true;
      pane.act("location", { latitude, longitude });
    }
  });
}

// ---------------------------------------------------------------- people and layout
function roleOf(userId) {
  const person = page.people.find((p) => p.id === userId);
  return person && person.role ? person.role : "";
}

function refreshPeopleSoon() {
  // Many panes see one change at once: one /people call for all of them.
  clearTimeout(refreshPeopleSoon.timer);
  refreshPeopleSoon.timer = setTimeout(refreshPeople, 300);
}

async function refreshPeople() {
  try {
    page.people = await api("/people");
  } catch (error) {
    return;
  }
  for (const pane of page.panes) pane.renderSub();
  const open = new Set(page.panes.map((p) => p.userId));
  const list = $("people");
  list.replaceChildren();
  for (const person of page.people) {
    const li = document.createElement("li");
    li.dataset.user = String(person.id);
    if (open.has(person.id)) li.className = "active";
    const who = document.createElement("button");
    who.type = "button";
    who.className = "who";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = personName(person);
    const tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = [person.id, person.language_code || "—", person.role].filter(Boolean).join(" · ");
    who.append(name, tag);
    who.title = "Open this person's chat";
    who.addEventListener("click", () => { closeSidebar(); setLayout([person.id]); });
    const add = document.createElement("button");
    add.type = "button";
    add.className = "icon add-pane";
    add.textContent = "+";
    add.title = "Open side by side with the chats already open";
    add.addEventListener("click", () => {
      closeSidebar();
      const ids = page.panes.map((p) => p.userId).filter((id) => id !== person.id);
      setLayout([...ids, person.id]);
    });
    li.append(who, add);
    list.appendChild(li);
  }
}

function layoutFromLocation() {
  const params = new URLSearchParams(location.hash.slice(1) || location.search.slice(1));
  const panes = params.get("panes");
  if (panes) return panes.split(",").map(Number).filter((id) => Number.isInteger(id) && id > 0);
  const user = Number(params.get("user"));
  return user ? [user] : [];
}

function setLayout(ids) {
  const hash = ids.length > 1 ? `panes=${ids.join(",")}` : ids.length ? `user=${ids[0]}` : "";
  if (location.hash.slice(1) !== hash) location.hash = hash;
  else applyLayout();
}

function applyLayout() {
  const ids = layoutFromLocation();
  const container = $("panes");
  const keep = new Map(page.panes.map((p) => [p.userId, p]));
  const next = [];
  for (const id of ids) {
    let pane = keep.get(id);
    if (pane) keep.delete(id);
    else pane = new Pane(id, ids.length > 1);
    pane.el.close.hidden = ids.length < 2;
    pane.root.querySelector(".pane-prev").hidden = next.length === 0;
    pane.root.querySelector(".pane-next").hidden = next.length === ids.length - 1;
    next.push(pane);
  }
  for (const stale of keep.values()) stale.destroy();
  const fresh = next.filter((p) => !page.panes.includes(p));
  page.panes = next;
  $("welcome").hidden = next.length > 0;
  container.dataset.count = String(next.length);
  for (const pane of next) container.appendChild(pane.root);  // reorders to match
  // Where a phone (one pane at a time) looks: a pane just added, else the first.
  const shown = fresh.length === 1 && next.length > 1 ? fresh[0] : next[0];
  if (shown) shown.root.scrollIntoView({ inline: "start", block: "nearest" });
  for (const pane of fresh) pane.start();
  refreshPeople();
}

function trio() {
  // A citizen, a volunteer and a coordinator: by role when the sandbox tells roles,
  // else the first three people.
  const pick = (role) => page.people.find((p) => (p.role || "").startsWith(role));
  const chosen = [pick("citizen"), pick("volunteer"), pick("coordinator")].filter(Boolean);
  const ids = chosen.length === 3 ? chosen.map((p) => p.id) : page.people.slice(0, 3).map((p) => p.id);
  if (!ids.length) {
    window.alert("Create a few people first (or run `python -m bot demo-data`).");
    return;
  }
  closeSidebar();
  setLayout(ids);
}

function openSidebar() { document.body.classList.add("sidebar-open"); $("scrim").hidden = false; }
function closeSidebar() { document.body.classList.remove("sidebar-open"); $("scrim").hidden = true; }

function wirePage() {
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-open-sidebar]")) openSidebar();
  });
  $("close-sidebar").addEventListener("click", closeSidebar);
  $("scrim").addEventListener("click", closeSidebar);
  $("trio-btn").addEventListener("click", async () => { await refreshPeople(); trio(); });
  $("new-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(event.target).entries());
    try {
      const person = await api("/people", { json: data });
      event.target.reset();
      closeSidebar();
      setLayout([person.id]);
    } catch (error) {
      window.alert(error.message);
    }
  });
  window.addEventListener("hashchange", applyLayout);
  wireLocationDialog();
}

async function loadInfo() {
  try {
    page.info = await api("/info");
  } catch (error) {
    $("bot-name").textContent = "sandbox not answering";
    return;
  }
  const bot = page.info.bots[0];
  $("bot-name").textContent = `${bot.first_name} · @${bot.username}`;
  $("persistence").textContent = page.info.state_file
    ? `People and chats are kept in ${page.info.state_file} and come back after a restart.`
    : "People and chats are not kept: they are gone when the sandbox stops.";
}

wirePage();
loadInfo();
applyLayout();
