// Sandbox chat page: one person per tab (#user=ID), long-polling the people's API.
"use strict";

const API = "/sandbox/api";
const $ = (id) => document.getElementById(id);

const state = {
  userId: null,
  version: null,
  pollToken: 0,
  conversation: null,
};

// ---------------------------------------------------------------- API helpers
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
  const body = await response.json();
  if (!body.ok) throw new Error(body.error || response.statusText);
  return body.result;
}

function toast(text, alertMode) {
  if (alertMode) {
    window.alert(text);
    return;
  }
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 3000);
}

function fail(error) {
  toast("⚠ " + error.message);
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

function renderInlineKeyboard(message) {
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  for (const row of message.inline_keyboard) {
    const rowBox = document.createElement("div");
    rowBox.className = "inline-row";
    for (const button of row) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = button.text + (button.url ? " ↗" : "");
      b.addEventListener("click", () => pressButton(message, button));
      rowBox.appendChild(b);
    }
    keyboard.appendChild(rowBox);
  }
  return keyboard;
}

function renderMessage(message) {
  const fragment = document.createDocumentFragment();
  const bubble = document.createElement("div");
  bubble.className = "msg " + (message.from_bot ? "bot" : "me");
  const attachment = renderAttachment(message);
  if (attachment) bubble.appendChild(attachment);
  if (message.text !== null) bubble.appendChild(renderText(message.text, message.entities));
  if (message.caption) bubble.appendChild(renderText(message.caption, message.caption_entities));
  const meta = document.createElement("div");
  meta.className = "meta";
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  meta.textContent = (message.edited ? "edited · " : "") + time;
  bubble.appendChild(meta);
  fragment.appendChild(bubble);
  if (message.inline_keyboard && message.inline_keyboard.length) {
    fragment.appendChild(renderInlineKeyboard(message));
  }
  return fragment;
}

function renderReplyKeyboard(keyboard) {
  const box = $("reply-keyboard");
  box.replaceChildren();
  box.hidden = !keyboard;
  if (!keyboard) return;
  for (const row of keyboard.rows) {
    const rowBox = document.createElement("div");
    rowBox.className = "reply-row";
    for (const button of row) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = button.text;
      if (button.request_contact) b.title = "Shares your phone number with the bot";
      if (button.request_location) b.title = "Shares your location with the bot";
      if (b.title) b.className = "request";
      b.addEventListener("click", () => act(`/people/${state.userId}/tap`, { label: button.text }));
      rowBox.appendChild(b);
    }
    box.appendChild(rowBox);
  }
  $("text-input").placeholder = keyboard.placeholder || "Message";
}

function renderConversation(conv) {
  state.conversation = conv;
  const person = conv.person;
  const name = [person.first_name, person.last_name].filter(Boolean).join(" ");
  $("chat-title").textContent = name;
  const parts = [`id ${person.id}`, person.language_code || "no language"];
  if (person.username) parts.push("@" + person.username);
  parts.push(person.blocked ? "bot blocked" : person.started ? "chat started" : "not started");
  $("chat-sub").textContent = parts.join(" · ");
  $("bot-name").textContent = `${conv.bot.first_name} · @${conv.bot.username}`;
  const blockBtn = $("block-btn");
  blockBtn.hidden = false;
  blockBtn.textContent = person.blocked ? "Unblock bot" : "Block bot";
  $("composer").hidden = false;

  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren();
  if (!conv.messages.length) {
    const hint = document.createElement("div");
    hint.className = "system";
    hint.textContent = "No messages yet — send /start.";
    list.appendChild(hint);
  }
  for (const message of conv.messages) list.appendChild(renderMessage(message));
  if (atBottom || state.justSwitched) list.scrollTop = list.scrollHeight;
  state.justSwitched = false;
  renderReplyKeyboard(conv.reply_keyboard);
  renderMenu(conv.command_menu);
}

function renderMenu(commands) {
  const popup = $("menu-popup");
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
      act(`/people/${state.userId}/text`, { text: "/" + command.command });
    });
    popup.appendChild(row);
  }
}

// ---------------------------------------------------------------- people
async function loadPeople() {
  const people = await api("/people");
  const list = $("people");
  list.replaceChildren();
  for (const person of people) {
    const li = document.createElement("li");
    if (person.id === state.userId) li.className = "active";
    const name = document.createElement("span");
    name.textContent = [person.first_name, person.last_name].filter(Boolean).join(" ");
    const tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = `${person.id} · ${person.language_code || "—"}`;
    li.append(name, tag);
    li.addEventListener("click", () => { location.hash = `user=${person.id}`; });
    list.appendChild(li);
  }
}

function userFromLocation() {
  const source = location.hash.slice(1) || location.search.slice(1);
  const value = new URLSearchParams(source).get("user");
  return value ? Number(value) : null;
}

async function selectPerson(userId) {
  state.userId = userId;
  state.version = null;
  state.justSwitched = true;
  state.pollToken += 1;
  $("menu-popup").hidden = true;
  await loadPeople().catch(fail);
  if (userId) poll(state.pollToken);
}

async function poll(token) {
  while (token === state.pollToken) {
    try {
      const query = state.version === null ? "" : `?since=${state.version}&wait=25`;
      const conv = await api(`/people/${state.userId}/conversation${query}`);
      if (token !== state.pollToken) return;
      const changed = state.version !== conv.version;
      state.version = conv.version;
      if (changed) {
        renderConversation(conv);
        loadPeople().catch(() => {});
      }
    } catch (error) {
      if (token !== state.pollToken) return;
      $("chat-title").textContent = "Person not found or sandbox stopped";
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

// ---------------------------------------------------------------- actions
async function act(path, json) {
  try {
    return await api(path, { json });
  } catch (error) {
    fail(error);
    return null;
  }
}

async function pressButton(message, button) {
  if (button.url) {
    const url = safeUrl(button.url);
    if (url) window.open(url, "_blank", "noopener");
    return;
  }
  if (button.callback_data === undefined) {
    toast("This kind of button does nothing in the sandbox");
    return;
  }
  const result = await act(`/people/${state.userId}/press`, {
    data: button.callback_data,
    message_id: message.message_id,
    timeout: 10,
  });
  if (!result) return;
  if (result.answer === null) toast("The bot did not answer the callback query");
  else if (result.answer.text) toast(result.answer.text, result.answer.show_alert);
}

function wireComposer() {
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("text-input");
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    await act(`/people/${state.userId}/text`, { text });
  });
  $("menu-btn").addEventListener("click", () => {
    $("menu-popup").hidden = !$("menu-popup").hidden;
  });
  $("attach-btn").addEventListener("click", () => $("file-input").click());
  $("file-input").addEventListener("change", async () => {
    const file = $("file-input").files[0];
    $("file-input").value = "";
    if (!file) return;
    const asPhoto = file.type.startsWith("image/") && window.confirm("Send as a photo? (Cancel sends it as a file)");
    const form = new FormData();
    form.append("file", file, file.name);
    const caption = window.prompt("Caption (optional)", "") || "";
    if (caption) form.append("caption", caption);
    try {
      await api(`/people/${state.userId}/${asPhoto ? "photo" : "document"}`, { form });
    } catch (error) {
      fail(error);
    }
  });
  $("contact-btn").addEventListener("click", () => act(`/people/${state.userId}/contact`, { own: true }));
  $("other-contact-btn").addEventListener("click", () => {
    const phone = window.prompt("Phone number of the contact", "+7");
    if (!phone) return;
    const name = window.prompt("Contact's first name", "Contact") || "Contact";
    act(`/people/${state.userId}/contact`, { own: false, phone, first_name: name });
  });
  $("location-btn").addEventListener("click", () => {
    const answer = window.prompt("Latitude, longitude", "51.128207, 71.430411");
    if (!answer) return;
    const [latitude, longitude] = answer.split(",").map((part) => Number(part.trim()));
    if (Number.isNaN(latitude) || Number.isNaN(longitude)) return toast("Not a location");
    act(`/people/${state.userId}/location`, { latitude, longitude });
  });
  $("block-btn").addEventListener("click", () => {
    const blocked = state.conversation && state.conversation.person.blocked;
    act(`/people/${state.userId}/${blocked ? "unblock" : "block"}`, {});
  });
  $("new-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(event.target).entries());
    try {
      const person = await api("/people", { json: data });
      event.target.reset();
      location.hash = `user=${person.id}`;
    } catch (error) {
      fail(error);
    }
  });
}

window.addEventListener("hashchange", () => selectPerson(userFromLocation()));
wireComposer();
api("/info").then((info) => {
  const bot = info.bots[0];
  $("bot-name").textContent = `${bot.first_name} · @${bot.username}`;
}).catch(fail);
selectPerson(userFromLocation());
