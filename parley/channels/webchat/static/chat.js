// Parley web chat: keeps the conversation id in localStorage, sends messages to the
// REST channel and renders the answers, streamed token by token when the server can.
// Bot content is only ever inserted as text, never as HTML.
"use strict";

(() => {
  const root = document.querySelector("[data-parley-chat]");
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const sendButton = document.getElementById("chat-send");
  const status = document.getElementById("chat-status");
  const streamUrl = new URL(root.dataset.streamUrl, location.href);
  const webhookUrl = new URL(root.dataset.webhookUrl, location.href);
  const STORAGE_KEY = "parley.webchat.conversation";
  let streaming = root.dataset.stream === "true";
  let memoryId = null;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function conversationId() {
    try {
      let id = localStorage.getItem(STORAGE_KEY);
      if (!id) {
        id = newId();
        localStorage.setItem(STORAGE_KEY, id);
      }
      return id;
    } catch (e) {
      // Storage disabled: the conversation lasts as long as the page.
      memoryId = memoryId || newId();
      return memoryId;
    }
  }

  function restart() {
    try {
      localStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* storage disabled */
    }
    memoryId = null;
    log.replaceChildren();
    status.textContent = "New conversation started.";
    input.focus();
  }

  function bubble(author) {
    const item = document.createElement("div");
    item.className = `chat-message chat-${author}`;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = author === "user" ? "You said: " : "Assistant: ";
    const text = document.createElement("p");
    text.className = "chat-text";
    item.append(who, text);
    log.append(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function render(item, message) {
    item.classList.remove("chat-draft");
    item.removeAttribute("aria-busy");
    const text = message.text ?? (message.custom && message.custom.text) ?? "";
    item.querySelector(".chat-text").textContent = text;
    if (!text) item.querySelector(".chat-text").hidden = true;
    if (message.image) {
      const image = document.createElement("img");
      image.src = message.image;
      image.alt = message.alt_text || "Image from the assistant";
      item.append(image);
    }
    if (message.buttons && message.buttons.length) item.append(buttons(message.buttons));
    log.scrollTop = log.scrollHeight;
  }

  function buttons(choices) {
    const group = document.createElement("div");
    group.className = "chat-buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Suggested replies");
    for (const choice of choices) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.title ?? choice.payload;
      button.addEventListener("click", () => {
        for (const other of group.querySelectorAll("button")) other.disabled = true;
        button.setAttribute("aria-pressed", "true");
        send(choice.payload ?? choice.title, choice.title ?? choice.payload);
      });
      group.append(button);
    }
    return group;
  }

  function showError(detail) {
    const item = bubble("error");
    item.setAttribute("role", "alert");
    item.querySelector(".chat-text").textContent =
      "Sorry, the assistant could not answer. Please try again." + (detail ? ` (${detail})` : "");
  }

  async function errorDetail(response) {
    try {
      const body = await response.json();
      return body.error || response.statusText;
    } catch (e) {
      return `${response.status} ${response.statusText}`;
    }
  }

  function post(url, text, accept) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: accept },
      body: JSON.stringify({ sender: conversationId(), message: text }),
    });
  }

  async function sendPlain(text) {
    const response = await post(webhookUrl, text, "application/json");
    if (!response.ok) return showError(await errorDetail(response));
    for (const message of await response.json()) render(bubble("bot"), message);
  }

  // Server-sent events: "token" drafts bot message `index`, "message" is its final form
  // (replacing the draft), "error" reports a failed turn, "done" ends it.
  function handle(event, data, drafts) {
    if (event === "token") {
      let item = drafts.get(data.index);
      if (!item) {
        item = bubble("bot");
        item.classList.add("chat-draft");
        item.setAttribute("aria-busy", "true");
        drafts.set(data.index, item);
      }
      item.querySelector(".chat-text").textContent += data.text;
      log.scrollTop = log.scrollHeight;
    } else if (event === "message") {
      render(drafts.get(data.index) || bubble("bot"), data);
      drafts.delete(data.index);
    } else if (event === "error") {
      showError(data.error);
    }
  }

  function parseEvent(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    return data.length ? { event, data: JSON.parse(data.join("\n")) } : null;
  }

  async function sendStreaming(text) {
    const response = await post(streamUrl, text, "text/event-stream");
    if (response.status === 404 || response.status === 405) {
      streaming = false; // this server has no stream endpoint
      return sendPlain(text);
    }
    if (!response.ok) return showError(await errorDetail(response));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const drafts = new Map();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const parsed = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (parsed) handle(parsed.event, parsed.data, drafts);
      }
    }
  }

  async function send(text, shownAs) {
    render(bubble("user"), { text: shownAs ?? text });
    input.disabled = sendButton.disabled = true;
    status.textContent = "The assistant is answering…";
    try {
      await (streaming ? sendStreaming(text) : sendPlain(text));
    } catch (e) {
      showError(e.message);
    } finally {
      input.disabled = sendButton.disabled = false;
      status.textContent = "";
      input.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  document.getElementById("chat-restart").addEventListener("click", restart);
})();
